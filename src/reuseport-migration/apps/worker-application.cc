/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "worker-application.h"

#include "ns3/log.h"
#include "ns3/packet.h"
#include "ns3/pointer.h"
#include "ns3/reuseport-listener.h"
#include "ns3/reuseport-tcp-socket.h"
#include "ns3/simulator.h"
#include "ns3/string.h"
#include "ns3/uinteger.h"

#include <algorithm>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("WorkerApplication");

NS_OBJECT_ENSURE_REGISTERED(WorkerApplication);

TypeId
WorkerApplication::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::WorkerApplication")
            .SetParent<Application>()
            .SetGroupName("ReuseportMigration")
            .AddConstructor<WorkerApplication>()
            .AddAttribute("ServiceTime",
                          "Time the event loop spends on each request, in seconds.",
                          StringValue("ns3::ConstantRandomVariable[Constant=0]"),
                          MakePointerAccessor(&WorkerApplication::m_serviceTime),
                          MakePointerChecker<RandomVariableStream>())
            .AddAttribute("RequestBytes",
                          "Bytes of request to read before serving a connection.",
                          UintegerValue(100),
                          MakeUintegerAccessor(&WorkerApplication::m_requestBytes),
                          MakeUintegerChecker<uint32_t>(1))
            .AddAttribute("ResponseBytes",
                          "Bytes of response written before closing.",
                          UintegerValue(1024),
                          MakeUintegerAccessor(&WorkerApplication::m_responseBytes),
                          MakeUintegerChecker<uint32_t>())
            .AddTraceSource("Accept",
                            "A connection was accepted.",
                            MakeTraceSourceAccessor(&WorkerApplication::m_acceptTrace),
                            "ns3::WorkerApplication::AcceptTracedCallback");
    return tid;
}

WorkerApplication::WorkerApplication()
{
    NS_LOG_FUNCTION(this);
}

WorkerApplication::~WorkerApplication()
{
    NS_LOG_FUNCTION(this);
}

void
WorkerApplication::DoDispose()
{
    m_loopEvent.Cancel();
    m_serviceEvent.Cancel();
    m_retireDeadline.Cancel();
    for (auto& l : m_listeners)
    {
        l->SetAcceptCallback(MakeNullCallback<void, Ptr<ReuseportListener>>());
    }
    m_listeners.clear();
    m_connections.clear();
    m_runQueue.clear();
    Application::DoDispose();
}

int64_t
WorkerApplication::AssignStreams(int64_t stream)
{
    m_serviceTime->SetStream(stream);
    return 1;
}

void
WorkerApplication::AddListener(Ptr<ReuseportListener> listener)
{
    m_listeners.push_back(listener);
    listener->SetAcceptCallback(MakeCallback(&WorkerApplication::AcceptReady, this));
    if (m_running && listener->GetAcceptQueueLength() > 0)
    {
        Wake();
    }
}

void
WorkerApplication::RemoveListener(Ptr<ReuseportListener> listener)
{
    auto it = std::find(m_listeners.begin(), m_listeners.end(), listener);
    if (it != m_listeners.end())
    {
        listener->SetAcceptCallback(MakeNullCallback<void, Ptr<ReuseportListener>>());
        m_listeners.erase(it);
        m_nextListener = 0;
    }
    MaybeExit();
}

void
WorkerApplication::Retire(Time timeout)
{
    NS_LOG_FUNCTION(this << timeout);
    m_retiring = true;
    m_retireDeadline = Simulator::Schedule(timeout, &WorkerApplication::CloseAllAndExit, this);
    MaybeExit();
}

void
WorkerApplication::Kill()
{
    NS_LOG_FUNCTION(this);
    for (auto& l : m_listeners)
    {
        l->SetAcceptCallback(MakeNullCallback<void, Ptr<ReuseportListener>>());
    }
    m_listeners.clear();
    CloseAllAndExit();
}

bool
WorkerApplication::HasExited() const
{
    return m_exited;
}

uint64_t
WorkerApplication::GetAcceptedFrom(Ptr<ReuseportListener> listener) const
{
    auto it = m_acceptedFrom.find(listener->GetId());
    return it == m_acceptedFrom.end() ? 0 : it->second;
}

void
WorkerApplication::MaybeExit()
{
    if (m_retiring && !m_exited && m_listeners.empty() && m_connections.empty())
    {
        NS_LOG_DEBUG("worker " << this << " exits");
        m_exited = true;
        m_running = false;
        m_retireDeadline.Cancel();
        m_loopEvent.Cancel();
        m_serviceEvent.Cancel();
    }
}

void
WorkerApplication::CloseAllAndExit()
{
    NS_LOG_FUNCTION(this);
    for (auto& l : m_listeners)
    {
        l->SetAcceptCallback(MakeNullCallback<void, Ptr<ReuseportListener>>());
    }
    m_listeners.clear();
    // The kernel closes the exiting process's sockets: close() with data left unread
    // sends a RST, otherwise a FIN.
    std::vector<Ptr<Socket>> open;
    for (auto& [s, c] : m_connections)
    {
        open.push_back(s);
    }
    m_connections.clear();
    m_runQueue.clear();
    for (auto& s : open)
    {
        s->SetRecvCallback(MakeNullCallback<void, Ptr<Socket>>());
        s->SetSendCallback(MakeNullCallback<void, Ptr<Socket>, uint32_t>());
        s->SetCloseCallbacks(MakeNullCallback<void, Ptr<Socket>>(),
                             MakeNullCallback<void, Ptr<Socket>>());
        s->Close();
    }
    m_busy = false;
    m_retiring = true;
    MaybeExit();
}

const std::vector<Ptr<ReuseportListener>>&
WorkerApplication::GetListeners() const
{
    return m_listeners;
}

void
WorkerApplication::Stall()
{
    m_stalled = true;
    m_loopEvent.Cancel();
}

void
WorkerApplication::Resume()
{
    m_stalled = false;
    Wake();
}

bool
WorkerApplication::IsStalled() const
{
    return m_stalled;
}

uint64_t
WorkerApplication::GetAccepted() const
{
    return m_accepted;
}

uint64_t
WorkerApplication::GetServed() const
{
    return m_served;
}

uint32_t
WorkerApplication::GetOpenConnections() const
{
    return static_cast<uint32_t>(m_connections.size());
}

void
WorkerApplication::StartApplication()
{
    m_running = true;
    Wake();
}

void
WorkerApplication::StopApplication()
{
    m_running = false;
    m_loopEvent.Cancel();
}

void
WorkerApplication::AcceptReady(Ptr<ReuseportListener>)
{
    Wake();
}

void
WorkerApplication::Wake()
{
    if (m_running && !m_exited && !m_stalled && !m_loopEvent.IsRunning())
    {
        m_loopEvent = Simulator::ScheduleNow(&WorkerApplication::Loop, this);
    }
}

void
WorkerApplication::Loop()
{
    if (!m_running || m_stalled || m_busy)
    {
        return;
    }
    bool accepted = AcceptOne();
    if (!m_runQueue.empty())
    {
        Ptr<Socket> s = m_runQueue.front();
        m_runQueue.pop_front();
        m_busy = true;
        Time t = Seconds(m_serviceTime->GetValue());
        m_serviceEvent = Simulator::Schedule(t, &WorkerApplication::FinishService, this, s);
        return;
    }
    if (accepted)
    {
        Wake(); // one accept per turn; more may be waiting
    }
}

bool
WorkerApplication::AcceptOne()
{
    for (size_t i = 0; i < m_listeners.size(); ++i)
    {
        Ptr<ReuseportListener> l = m_listeners[(m_nextListener + i) % m_listeners.size()];
        Ptr<ReuseportTcpSocket> s = l->Accept();
        if (!s)
        {
            continue;
        }
        m_nextListener = (m_nextListener + i + 1) % m_listeners.size();
        ++m_accepted;
        m_acceptedFrom[l->GetId()]++;
        m_connections[s] = Connection{};
        m_acceptTrace(s, l);
        s->SetRecvCallback(MakeCallback(&WorkerApplication::HandleRead, this));
        s->SetSendCallback(MakeCallback(&WorkerApplication::HandleSend, this));
        s->SetCloseCallbacks(MakeCallback(&WorkerApplication::HandleClose, this),
                             MakeCallback(&WorkerApplication::HandleClose, this));
        // Data, the client's FIN or its RST may have arrived while it waited in the queue.
        HandleRead(s);
        return true;
    }
    return false;
}

void
WorkerApplication::HandleRead(Ptr<Socket> socket)
{
    auto it = m_connections.find(socket);
    // Recv() returns null when nothing is buffered and an empty packet at EOF (CLOSE_WAIT).
    Ptr<Packet> p;
    while ((p = socket->Recv()) && p->GetSize() > 0)
    {
        if (it != m_connections.end())
        {
            it->second.received += p->GetSize();
        }
    }
    if (it == m_connections.end())
    {
        return;
    }
    Connection& c = it->second;
    if (!c.queued && c.received >= m_requestBytes)
    {
        c.queued = true;
        m_runQueue.push_back(socket);
        Wake();
    }
    else if (!c.queued && (p || IsGone(socket)))
    {
        // The client went away before its request was complete: nginx closes the
        // connection ("client prematurely closed connection") without a response.
        Drop(socket);
    }
}

bool
WorkerApplication::IsGone(Ptr<Socket> socket) const
{
    Ptr<ReuseportTcpSocket> s = DynamicCast<ReuseportTcpSocket>(socket);
    return s && (s->GetState() == TcpSocket::CLOSED || s->GetState() == TcpSocket::CLOSE_WAIT);
}

void
WorkerApplication::Drop(Ptr<Socket> socket)
{
    NS_LOG_FUNCTION(this << socket);
    m_connections.erase(socket);
    auto q = std::find(m_runQueue.begin(), m_runQueue.end(), socket);
    if (q != m_runQueue.end())
    {
        m_runQueue.erase(q);
    }
    ++m_abandoned;
    socket->SetRecvCallback(MakeNullCallback<void, Ptr<Socket>>());
    socket->SetSendCallback(MakeNullCallback<void, Ptr<Socket>, uint32_t>());
    socket->SetCloseCallbacks(MakeNullCallback<void, Ptr<Socket>>(),
                              MakeNullCallback<void, Ptr<Socket>>());
    Ptr<ReuseportTcpSocket> s = DynamicCast<ReuseportTcpSocket>(socket);
    if (!s || s->GetState() != TcpSocket::CLOSED)
    {
        socket->Close();
    }
    MaybeExit();
}

void
WorkerApplication::FinishService(Ptr<Socket> socket)
{
    m_busy = false;
    auto it = m_connections.find(socket);
    if (it != m_connections.end())
    {
        it->second.toSend = m_responseBytes;
        it->second.responding = true;
        ++m_served;
        WriteResponse(socket);
    }
    Wake();
}

void
WorkerApplication::WriteResponse(Ptr<Socket> socket)
{
    auto it = m_connections.find(socket);
    if (it == m_connections.end() || !it->second.responding)
    {
        return;
    }
    Connection& c = it->second;
    while (c.toSend > 0)
    {
        uint32_t chunk = std::min(c.toSend, socket->GetTxAvailable());
        if (chunk == 0)
        {
            return; // HandleSend continues when the buffer drains
        }
        if (socket->Send(Create<Packet>(chunk)) < 0)
        {
            // Reset while it waited: nothing more can be written (EPIPE).
            m_connections.erase(it);
            MaybeExit();
            return;
        }
        c.toSend -= chunk;
    }
    m_connections.erase(it);
    socket->Close(); // the FIN follows the queued response
    MaybeExit();
}

void
WorkerApplication::HandleSend(Ptr<Socket> socket, uint32_t)
{
    WriteResponse(socket);
}

void
WorkerApplication::HandleClose(Ptr<Socket> socket)
{
    // ns-3 reports the peer's FIN and a RST alike as a normal close.
    if (m_connections.count(socket) && DynamicCast<ReuseportTcpSocket>(socket) &&
        DynamicCast<ReuseportTcpSocket>(socket)->GetState() == TcpSocket::CLOSE_WAIT)
    {
        HandleRead(socket); // EOF: a complete request is still served
        return;
    }
    m_connections.erase(socket);
    auto it = std::find(m_runQueue.begin(), m_runQueue.end(), socket);
    if (it != m_runQueue.end())
    {
        m_runQueue.erase(it);
    }
    MaybeExit();
}

uint64_t
WorkerApplication::GetAbandoned() const
{
    return m_abandoned;
}

} // namespace ns3
