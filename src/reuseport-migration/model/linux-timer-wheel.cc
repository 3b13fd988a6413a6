/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "ns3/linux-timer-wheel.h"

#include "ns3/global-value.h"
#include "ns3/simulator.h"
#include "ns3/uinteger.h"

namespace ns3
{

namespace
{

GlobalValue g_linuxHz("LinuxHz",
                      "The kernel's HZ: Linux timers (retransmission, loss probe, SYN-ACK) "
                      "fire on its timer wheel's jiffy buckets; 0 keeps ns-3's exact times",
                      UintegerValue(250),
                      MakeUintegerChecker<uint32_t>(0, 1000));

constexpr uint32_t LVL_CLK_SHIFT = 3; // each level is 8 times coarser
constexpr uint32_t LVL_BITS = 6;      // 64 buckets per level
constexpr uint32_t LVL_DEPTH = 9;     // levels at HZ > 100

// The first delta (in jiffies) that goes to level n (LVL_START).
constexpr int64_t
LevelStart(uint32_t n)
{
    return ((int64_t{1} << LVL_BITS) - 1) << ((n - 1) * LVL_CLK_SHIFT);
}

} // namespace

uint32_t
LinuxTimerWheel::Hz()
{
    UintegerValue hz;
    g_linuxHz.GetValue(hz);
    return static_cast<uint32_t>(hz.Get());
}

Time
LinuxTimerWheel::Delay(Time timeout)
{
    return Delay(Simulator::Now(), timeout, Hz());
}

Time
LinuxTimerWheel::Delay(Time now, Time timeout, uint32_t hz)
{
    if (hz == 0 || timeout.IsNegative())
    {
        return timeout;
    }
    const int64_t jiffyNs = 1000000000 / hz;
    const int64_t clk = now.GetNanoSeconds() / jiffyNs;
    const int64_t delta = (timeout.GetNanoSeconds() + jiffyNs - 1) / jiffyNs;
    const int64_t expires = clk + delta;
    // calc_wheel_index: the level by the distance, then the next bucket boundary of that
    // level strictly after the expiry (calc_index), so a timer never fires early.
    uint32_t level = 0;
    while (level + 1 < LVL_DEPTH && delta >= LevelStart(level + 1))
    {
        ++level;
    }
    const uint32_t shift = level * LVL_CLK_SHIFT;
    const int64_t bucketExpiry = ((expires >> shift) + 1) << shift;
    return NanoSeconds(bucketExpiry * jiffyNs) - now;
}

} // namespace ns3
