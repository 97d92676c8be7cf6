// The one test binary: unit tests beside the code, integration tests under tests/.
#include <gtest/gtest.h>

#include "test_server.h"

namespace {
class ServerEnvironment : public ::testing::Environment {
 public:
  void TearDown() override { strata::testing::TestServer::ShutdownIfStarted(); }
};
}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new ServerEnvironment);
  return RUN_ALL_TESTS();
}
