/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef KERNEL_EVENTS_H
#define KERNEL_EVENTS_H

#include <cstdint>
#include <string>

namespace ns3
{

/**
 * \ingroup reuseport-migration
 * \brief Why the server sent a RST (every RST has exactly one cause).
 */
enum class RstCause : uint8_t
{
    ACCEPT_QUEUE_PURGE, //!< accept-queue child reset at listener close()/shutdown()
    ORPHANED_REQUEST,   //!< segment hit a request whose listener stopped (no migration)
    MIGRATION_FAILURE,  //!< migration found no target or the target stopped listening
    PROGRAM_DROP,       //!< the group program returned SK_DROP
    ABORT_ON_OVERFLOW,  //!< final ACK with a full accept queue and tcp_abort_on_overflow=1
    NO_LISTENER,        //!< segment for a port where nothing listens
    LISTENER_REPLY,     //!< a listener answered a stray segment (bad ACK, failed cookie)
    EMBRYONIC,          //!< SYN inside the window of a request (embryonic reset)
    CONNECTION_ABORT,   //!< a full connection aborted itself (e.g. close with unread data)
    CAUSE_COUNT         //!< number of causes (not a cause)
};

/**
 * \param cause a cause
 * \return its short name, e.g. "accept-queue"
 */
const char* RstCauseName(RstCause cause);

/**
 * \ingroup reuseport-migration
 * \brief Why a SYN was dropped without a reply (section 4 of the semantics).
 */
enum class SynDropReason : uint8_t
{
    SYN_QUEUE_FULL,    //!< SYN queue full and syncookies off (TCPReqQFullDrop)
    ACCEPT_QUEUE_FULL, //!< accept queue full (ListenOverflows)
    SYN_BACKLOG_RULE,  //!< tcp_max_syn_backlog quarter rule (syncookies off, peer unproven)
};

/**
 * \param reason a reason
 * \return its short name
 */
const char* SynDropReasonName(SynDropReason reason);

/**
 * \ingroup reuseport-migration
 * \brief How a request socket (SYN_RECV) ended, other than by becoming a child.
 */
enum class RequestEndReason : uint8_t
{
    EXPIRED,           //!< SYN-ACK retries exhausted at the timer
    ORPHANED_TIMER,    //!< timer fired while its listener was not listening; no migration
    ORPHANED_SEGMENT,  //!< a segment arrived while its listener was not listening
    EMBRYONIC_RESET,   //!< RST or SYN inside the window
    ABORT_ON_OVERFLOW, //!< final ACK refused with tcp_abort_on_overflow=1
    MIGRATION_FAILURE, //!< its listener stopped and migration found no target (or expired)
};

/**
 * \param reason a reason
 * \return its short name
 */
const char* RequestEndReasonName(RequestEndReason reason);

/**
 * \ingroup reuseport-migration
 * \brief Where the kernel migrates a request or child of a listener that stopped
 * (semantics 9, 10, 11).
 */
enum class MigrationPoint : uint8_t
{
    CLOSE,        //!< accept-queue children at close()/shutdown() (inet_csk_listen_stop)
    SYNACK_TIMER, //!< a request at its SYN-ACK timer (reqsk_timer_handler)
    FINAL_ACK,    //!< a request when a client segment reaches it (tcp_v4_rcv)
};

/**
 * \param point a migration point
 * \return its short name: "close", "synack-timer", "final-ack"
 */
const char* MigrationPointName(MigrationPoint point);

/**
 * \ingroup reuseport-migration
 * \brief How one migration attempt ended. Everything but SUCCESS counts as
 * TcpExtTCPMigrateReqFailure, as the kernel counts it.
 */
enum class MigrationResult : uint8_t
{
    SUCCESS,              //!< moved to the target (TcpExtTCPMigrateReqSuccess)
    NO_LISTENER,          //!< the group has no listening member (8.2 row 2)
    PROGRAM_DROP,         //!< the SELECT_OR_MIGRATE program returned SK_DROP (row 3)
    DISABLED,             //!< no migrating program and tcp_migrate_req = 0 now (row 7)
    TARGET_NOT_LISTENING, //!< the chosen target stopped listening before the enqueue
    EXPIRED,              //!< the request's retries were exhausted after cloning (point 2)
    TARGET_QUEUE_FULL,    //!< the target's accept queue was full at the final ACK (point 3)
};

/**
 * \param result a result
 * \return its short name
 */
const char* MigrationResultName(MigrationResult result);

} // namespace ns3

#endif /* KERNEL_EVENTS_H */
