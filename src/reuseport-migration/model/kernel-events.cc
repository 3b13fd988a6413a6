/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "kernel-events.h"

namespace ns3
{

const char*
RstCauseName(RstCause cause)
{
    switch (cause)
    {
    case RstCause::ACCEPT_QUEUE_PURGE:
        return "accept-queue";
    case RstCause::ORPHANED_REQUEST:
        return "final-ack";
    case RstCause::MIGRATION_FAILURE:
        return "migration-failure";
    case RstCause::PROGRAM_DROP:
        return "program-drop";
    case RstCause::ABORT_ON_OVERFLOW:
        return "overflow";
    case RstCause::NO_LISTENER:
        return "no-listener";
    case RstCause::LISTENER_REPLY:
        return "listener-reply";
    case RstCause::EMBRYONIC:
        return "embryonic";
    case RstCause::CONNECTION_ABORT:
        return "connection-abort";
    case RstCause::CAUSE_COUNT:
        break;
    }
    return "unknown";
}

const char*
SynDropReasonName(SynDropReason reason)
{
    switch (reason)
    {
    case SynDropReason::SYN_QUEUE_FULL:
        return "syn-queue-full";
    case SynDropReason::ACCEPT_QUEUE_FULL:
        return "accept-queue-full";
    case SynDropReason::SYN_BACKLOG_RULE:
        return "max-syn-backlog";
    }
    return "unknown";
}

const char*
RequestEndReasonName(RequestEndReason reason)
{
    switch (reason)
    {
    case RequestEndReason::EXPIRED:
        return "expired";
    case RequestEndReason::ORPHANED_TIMER:
        return "orphaned-timer";
    case RequestEndReason::ORPHANED_SEGMENT:
        return "orphaned-segment";
    case RequestEndReason::EMBRYONIC_RESET:
        return "embryonic-reset";
    case RequestEndReason::ABORT_ON_OVERFLOW:
        return "abort-on-overflow";
    case RequestEndReason::MIGRATION_FAILURE:
        return "migration-failure";
    }
    return "unknown";
}

const char*
MigrationPointName(MigrationPoint point)
{
    switch (point)
    {
    case MigrationPoint::CLOSE:
        return "close";
    case MigrationPoint::SYNACK_TIMER:
        return "synack-timer";
    case MigrationPoint::FINAL_ACK:
        return "final-ack";
    }
    return "unknown";
}

const char*
MigrationResultName(MigrationResult result)
{
    switch (result)
    {
    case MigrationResult::SUCCESS:
        return "success";
    case MigrationResult::NO_LISTENER:
        return "no-listener";
    case MigrationResult::PROGRAM_DROP:
        return "program-drop";
    case MigrationResult::DISABLED:
        return "disabled";
    case MigrationResult::TARGET_NOT_LISTENING:
        return "target-not-listening";
    case MigrationResult::EXPIRED:
        return "expired";
    case MigrationResult::TARGET_QUEUE_FULL:
        return "target-queue-full";
    }
    return "unknown";
}

} // namespace ns3
