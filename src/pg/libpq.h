// libpq, loaded on first use. Linking libpq pulls in its whole chain (OpenSSL, GnuTLS,
// Kerberos, LDAP), whose start-up costs ~5 ms on every run, including runs that never
// touch a database (`strata --version`, `strata lint`, `strata create`). Only session.cc
// calls through this table.
#pragma once

#include <libpq-fe.h>

#include "base/status.h"

namespace strata::pg {

#define STRATA_LIBPQ_FUNCTIONS(X)                                                        \
  X(PQbackendPID) X(PQcancel) X(PQclear) X(PQcmdTuples) X(PQconnectdbParams) X(PQerrorMessage) X(PQfinish) \
  X(PQfname) X(PQfreeCancel) X(PQgetCancel) X(PQgetResult) X(PQgetisnull) X(PQgetlength)   \
  X(PQgetvalue) X(PQnfields) X(PQntuples) X(PQputCopyEnd) X(PQresultErrorField)            \
  X(PQresultStatus) X(PQsendQuery) X(PQsendQueryParams) X(PQserverVersion)                 \
  X(PQsetNoticeReceiver) X(PQstatus)

struct LibPq {
#define STRATA_DECLARE(name) decltype(&::name) name = nullptr;
  STRATA_LIBPQ_FUNCTIONS(STRATA_DECLARE)
#undef STRATA_DECLARE
};

// The loaded library, or why it could not be loaded. Thread-safe; loads once.
Result<const LibPq*> Load();

}  // namespace strata::pg
