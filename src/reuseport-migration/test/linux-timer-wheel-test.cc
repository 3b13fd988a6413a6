/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// When Linux timers fire. Expected values come from kernel/time/timer.c worked by hand:
// the timeout in jiffies (rounded up), the level by the distance (63 and 504 jiffies start
// levels 1 and 2, 8 and 64 jiffies coarse), and the bucket's expiry, the next multiple of
// the level's granularity strictly after the timer's expiry (calc_index).

#include "test-network.h"

#include "ns3/linux-timer-wheel.h"

namespace ns3
{
namespace test
{
namespace
{

constexpr uint32_t HZ = 250; // 4 ms jiffies

TEST(LinuxTimerWheelTest, LevelZeroFiresOneJiffyAfterTheExpiry)
{
    // 200 ms = 50 jiffies from jiffy 0: bucket 51, 204 ms.
    EXPECT_EQ(LinuxTimerWheel::Delay(Time(0), MilliSeconds(200), HZ), MilliSeconds(204));
    // Armed 1 ms into jiffy 0: the same bucket, 1 ms less to wait.
    EXPECT_EQ(LinuxTimerWheel::Delay(MilliSeconds(1), MilliSeconds(200), HZ), MilliSeconds(203));
    // 200.1 ms is 51 jiffies (usecs_to_jiffies rounds up): bucket 52.
    EXPECT_EQ(LinuxTimerWheel::Delay(Time(0), MicroSeconds(200100), HZ), MilliSeconds(208));
    // 62 jiffies is still level 0: bucket 63 (252 ms).
    EXPECT_EQ(LinuxTimerWheel::Delay(Time(0), MilliSeconds(248), HZ), MilliSeconds(252));
}

TEST(LinuxTimerWheelTest, LevelOneHasEightJiffyBuckets)
{
    // 63 jiffies starts level 1: (63 >> 3) + 1 = 8, bucket 64 = 256 ms.
    EXPECT_EQ(LinuxTimerWheel::Delay(Time(0), MilliSeconds(252), HZ), MilliSeconds(256));
    // 1 s from jiffy 2 (10.5 ms): expiry 252, (252 >> 3) + 1 = 32, bucket 256 = 1.024 s.
    EXPECT_EQ(LinuxTimerWheel::Delay(MicroSeconds(10500), Seconds(1), HZ),
              MilliSeconds(1024) - MicroSeconds(10500));
    // Timers armed in jiffies 6 to 13 (24 ms to 55.9 ms) share bucket 264: 1.056 s.
    for (Time armed : {MilliSeconds(24), MilliSeconds(40), MicroSeconds(55900)})
    {
        EXPECT_EQ(armed + LinuxTimerWheel::Delay(armed, Seconds(1), HZ), MilliSeconds(1056))
            << armed.As(Time::MS);
    }
    // Jiffy 5 (20 ms) is in the bucket before.
    EXPECT_EQ(MilliSeconds(20) + LinuxTimerWheel::Delay(MilliSeconds(20), Seconds(1), HZ),
              MilliSeconds(1024));
    // 2 s = 500 jiffies is still level 1: from jiffy 1280, expiry 1780, bucket 1784.
    EXPECT_EQ(LinuxTimerWheel::Delay(MilliSeconds(5120), Seconds(2), HZ), MilliSeconds(2016));
}

TEST(LinuxTimerWheelTest, LevelTwoHasSixtyFourJiffyBuckets)
{
    // 4 s = 1000 jiffies (504 <= 1000 < 4032): (1000 >> 6) + 1 = 16, bucket 1024 = 4.096 s.
    EXPECT_EQ(LinuxTimerWheel::Delay(Time(0), Seconds(4), HZ), MilliSeconds(4096));
    // At HZ=1000 1 s is level 2 as well: bucket 1024 ms.
    EXPECT_EQ(LinuxTimerWheel::Delay(Time(0), Seconds(1), 1000), MilliSeconds(1024));
}

TEST(LinuxTimerWheelTest, HzZeroKeepsExactTimes)
{
    EXPECT_EQ(LinuxTimerWheel::Delay(MilliSeconds(3), MilliSeconds(222), 0), MilliSeconds(222));
}

TEST(LinuxTimerWheelTest, TheGlobalValueSetsHz)
{
    EXPECT_EQ(LinuxTimerWheel::Hz(), 250u);
    Config::SetGlobal("LinuxHz", UintegerValue(1000));
    EXPECT_EQ(LinuxTimerWheel::Hz(), 1000u);
    EXPECT_EQ(LinuxTimerWheel::Delay(Seconds(1)), MilliSeconds(1024));
    Config::Reset();
    EXPECT_EQ(LinuxTimerWheel::Hz(), 250u);
}

} // namespace
} // namespace test
} // namespace ns3
