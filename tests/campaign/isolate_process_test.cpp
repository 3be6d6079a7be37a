// Work in a child (harness/campaign/isolate.h) and the engines' processes (process.h): a crash or a hang costs
// the child; a campaign directory has one owner; what a killed campaign left running is ended by pid.
#include <csignal>
#include <thread>
#include <unistd.h>

#include <gtest/gtest.h>

#include "harness/campaign/isolate.h"
#include "harness/campaign/process.h"
#include "tests/campaign/campaign_test_util.h"

namespace smmu::campaign {
namespace {

using namespace std::chrono_literals;

TEST(CampaignIsolate, ReturnsTheChildsAnswer) {
  const Isolated r = run_isolated([] { return std::string(100000, 'x'); }, 10s);
  EXPECT_TRUE(r.started && r.ok);
  EXPECT_EQ(r.output.size(), 100000u);
}

TEST(CampaignIsolate, ACrashOrAHangCostsOnlyTheChild) {
  Isolated r = run_isolated([]() -> std::string { ::raise(SIGKILL); return "unreachable"; }, 10s);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.failure, "SIGKILL");
  r = run_isolated([]() -> std::string { ::_exit(3); }, 10s);
  EXPECT_EQ(r.failure, "exit-3");
  r = run_isolated([]() -> std::string { std::this_thread::sleep_for(60s); return ""; }, 300ms);
  EXPECT_EQ(r.failure, "timeout");
  EXPECT_TRUE(r.output.empty());
}

TEST(CampaignProcess, OneCampaignPerDirectory) {
  testing::TempDir t;
  std::string error;
  ASSERT_TRUE(lock_campaign(t.path(), error)) << error;
  EXPECT_FALSE(lock_campaign(t.path(), error));
  EXPECT_NE(error.find("in use"), std::string::npos) << error;
}

TEST(CampaignProcess, LeftoversOfAKilledCampaignAreEndedByPid) {
  testing::TempDir t;
  ProcessSpec p;
  p.name = "stand-in engine";
  // A shell that starts a child in a session of its own, as AFL++'s fork server does.
  p.argv = {"/bin/sh", "-c", "setsid sleep 60 & while :; do sleep 0.1; done"};
  p.log = t.path() / "logs" / "engine.txt";
  std::string error;
  const auto unmarked = spawn(p, error);
  ASSERT_TRUE(unmarked) << error;
  p.campaign = t.path().string();
  const auto marked = spawn(p, error);
  ASSERT_TRUE(marked) << error;
  std::this_thread::sleep_for(300ms);
  EXPECT_FALSE(ended(*marked));
  EXPECT_EQ(kill_leftovers(t.path() / "other-campaign"), 0);
  // The marked shell, its setsid'd sleep and, perhaps, its current short sleep.
  EXPECT_GE(kill_leftovers(t.path()), 2);
  std::optional<std::string> how;
  for (int i = 0; i < 50 && !how; ++i, std::this_thread::sleep_for(100ms)) how = ended(*marked);
  EXPECT_EQ(how.value_or("still running"), "SIGKILL");
  EXPECT_FALSE(ended(*unmarked)) << "a process of no campaign is left alone";
  stop_group(*unmarked, 100ms);
  for (int i = 0; i < 20 && kill_leftovers(t.path()) > 0; ++i) std::this_thread::sleep_for(100ms);
  EXPECT_EQ(kill_leftovers(t.path()), 0);
}

TEST(CampaignProcess, StopEndsTheWholeGroup) {
  testing::TempDir t;
  ProcessSpec p;
  p.argv = {"/bin/sh", "-c", "trap '' INT; sleep 30 & wait", t.path().string()};
  p.log = t.path() / "engine.txt";
  std::string error;
  const auto pid = spawn(p, error);
  ASSERT_TRUE(pid) << error;
  std::this_thread::sleep_for(200ms);
  const auto start = std::chrono::steady_clock::now();
  stop_group(*pid, 500ms);  // SIGINT is ignored: SIGKILL after the grace
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  bool gone = false;  // the killed sleep may linger a moment as a zombie until init reaps it
  for (int i = 0; i < 50 && !gone; ++i, std::this_thread::sleep_for(100ms)) gone = ::kill(-*pid, 0) != 0;
  EXPECT_TRUE(gone) << "the group is gone";
}

TEST(CampaignProcess, AProgramThatCannotRunSaysSoInItsLog) {
  testing::TempDir t;
  ProcessSpec p;
  p.argv = {(t.path() / "no-such-engine").string()};
  p.log = t.path() / "engine.txt";
  std::string error;
  const auto pid = spawn(p, error);
  ASSERT_TRUE(pid) << error;
  std::optional<std::string> how;
  for (int i = 0; i < 50 && !how; ++i, std::this_thread::sleep_for(100ms)) how = ended(*pid);
  EXPECT_EQ(how.value_or(""), "exit 127");
  EXPECT_NE(testing::read_file(p.log).find("cannot run"), std::string::npos);
}

}  // namespace
}  // namespace smmu::campaign
