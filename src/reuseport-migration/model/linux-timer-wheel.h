/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef LINUX_TIMER_WHEEL_H
#define LINUX_TIMER_WHEEL_H

#include "ns3/nstime.h"

#include <cstdint>

namespace ns3
{

/**
 * \ingroup reuseport-migration
 * \brief When a Linux timer_list timer fires (kernel/time/timer.c).
 *
 * TCP's retransmission, loss probe and SYN-ACK timers are timer_list timers: their
 * timeouts are whole jiffies (4 ms at HZ=250, Debian's kernels), and the timer wheel files
 * a timer into a bucket of its level, which fires at the next multiple of the level's
 * granularity strictly after the expiry: 1 jiffy below 63 jiffies, 8 jiffies (32 ms) below
 * 504, 64 jiffies (256 ms) below 4032, and so on. So all the SYNs that overflowed a listener
 * in one 32 ms slice are retransmitted together, one second later; the real kernel shows
 * this (doc/model.md, "Timers in jiffies").
 *
 * The global value `LinuxHz` sets HZ; 0 turns the rounding off (ns-3's exact times).
 * Jiffy 0 is simulated time 0.
 */
class LinuxTimerWheel
{
  public:
    /**
     * \brief The delay after which a timer armed now with this timeout fires.
     * \param timeout the timeout asked for (converted to jiffies rounding up, as
     *        usecs_to_jiffies does)
     * \return the delay until its bucket expires; timeout itself when HZ is 0
     */
    static Time Delay(Time timeout);

    /**
     * \brief The same for a timer armed at a given time.
     * \param now when the timer is armed
     * \param timeout the timeout asked for
     * \param hz the kernel's HZ (0: no rounding)
     * \return the delay from now until the timer fires
     */
    static Time Delay(Time now, Time timeout, uint32_t hz);

    /**
     * \brief The current value of the global value LinuxHz.
     * \return HZ, 0 when timers are not rounded
     */
    static uint32_t Hz();
};

} // namespace ns3

#endif /* LINUX_TIMER_WHEEL_H */
