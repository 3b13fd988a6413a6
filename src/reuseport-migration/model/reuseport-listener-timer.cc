/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// The SYN-ACK timer of a request (reqsk_timer_handler in inet_connection_sock.c):
// retransmission, expiry, and migration of a request whose listener closed.

#include "request-sock.h"
#include "reuseport-group.h"
#include "reuseport-listener.h"
#include "reuseport-stack.h"
#include "reuseport-tcp-socket.h"

#include "ns3/integer.h"
#include "ns3/log.h"
#include "ns3/nstime.h"
#include "ns3/simulator.h"
#include "ns3/tcp-option-ts.h"
#include "ns3/uinteger.h"

#include <algorithm>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("ReuseportListenerTimer");

void
ReuseportListener::RequestTimer(RequestSock* req)
{
    NS_LOG_FUNCTION(this << req->tuple);
    TcpMib& mib = m_stack->GetMib();
    Ptr<ReuseportListener> self = this;
    bool wasYoung = req->IsYoung();
    Ptr<ReuseportListener> listener = this; // sk_listener: the owner, or a migration target
    if (m_state != LISTEN)
    {
        // Migration point 2 (section 10).
        ReuseportStack::MigrationDecision d = m_stack->MigrateTarget(this,
                                                                     MigrationPoint::SYNACK_TIMER,
                                                                     req->tuple,
                                                                     req->hash,
                                                                     MigratingState::NEW_SYN_RECV,
                                                                     nullptr);
        if (!d.target)
        {
            QueueRemoved(wasYoung); // dropped silently
            m_stack->m_requestEndTrace(req->tuple,
                                       this,
                                       d.attempted ? RequestEndReason::MIGRATION_FAILURE
                                                   : RequestEndReason::ORPHANED_TIMER);
            m_stack->DeleteRequest(req);
            return;
        }
        // The clone, owned by the target, counts in its queue from now on.
        listener = d.target;
        listener->QueueAdded(wasYoung);
    }

    uint32_t maxRetries = listener->GetSynAckRetries();
    int32_t qlen = listener->m_qlen;
    // Under pressure, requests that never answered get fewer retries (5.2 step 3). The
    // kernel compares these signed counters as unsigned.
    if (static_cast<uint32_t>(qlen << 1) > std::max<uint32_t>(8, listener->m_maxAckBacklog))
    {
        int32_t young = listener->m_young << 1;
        while (maxRetries > 2)
        {
            if (qlen < young)
            {
                break;
            }
            maxRetries--;
            young <<= 1;
        }
    }
    uint8_t defer = listener->GetDeferAcceptRetrans();
    bool expire;
    bool resend;
    if (defer == 0)
    {
        expire = req->numTimeout >= maxRetries;
        resend = true;
    }
    else
    {
        expire = req->numTimeout >= maxRetries && (!req->acked || req->numTimeout >= defer);
        resend = !req->acked || req->numTimeout >= defer - 1;
    }
    mib.Increment(TcpMib::TCP_TIMEOUTS);
    if (!expire)
    {
        if (resend)
        {
            m_stack->SendSynAck(*req, listener, ReuseportStack::TsNow(), true);
        }
        if (req->numTimeout++ == 0)
        {
            listener->m_young--;
        }
        if (listener != this)
        {
            // The clone replaced the original in the established hash.
            QueueRemoved(wasYoung);
            m_stack->SetRequestOwner(req, listener);
            m_stack->NoteMigration(req->tuple,
                                   MigrationPoint::SYNACK_TIMER,
                                   this,
                                   listener,
                                   MigrationResult::SUCCESS);
        }
        m_stack->ArmRequestTimer(req, req->Backoff(m_stack->m_rtoMax));
        return;
    }
    if (listener != this)
    {
        // Retries exhausted after cloning: the clone is discarded, the original dropped.
        listener->QueueRemoved(wasYoung);
        m_stack->NoteMigration(req->tuple,
                               MigrationPoint::SYNACK_TIMER,
                               this,
                               listener,
                               MigrationResult::EXPIRED);
    }
    QueueRemoved(wasYoung);
    m_stack->m_requestEndTrace(req->tuple, this, RequestEndReason::EXPIRED);
    m_stack->DeleteRequest(req);
}

} // namespace ns3
