/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "bpf-reuseport-program.h"

#include "bpf-error.h"
#include "bpf-object.h"

#include "ns3/log.h"
#include "ns3/reuseport-listener.h"
#include "ns3/reuseport-sock-array.h"
#include "ns3/simulator.h"
#include "ns3/uinteger.h"

#include <cstring>
#include <limits>
#include <netinet/in.h>
#include <sys/socket.h>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("BpfReuseportProgram");

NS_OBJECT_ENSURE_REGISTERED(BpfReuseportProgram);

namespace
{

uint32_t
BpfTcpState(MigratingState s)
{
    switch (s)
    {
    case MigratingState::ESTABLISHED:
        return BPF_TCP_ESTABLISHED;
    case MigratingState::SYN_RECV:
        return BPF_TCP_SYN_RECV;
    case MigratingState::NEW_SYN_RECV:
        return BPF_TCP_NEW_SYN_RECV;
    case MigratingState::CLOSE_WAIT:
        return BPF_TCP_CLOSE_WAIT;
    case MigratingState::CLOSE:
        return BPF_TCP_CLOSE;
    case MigratingState::NONE:
        break;
    }
    return BPF_TCP_LISTEN;
}

} // namespace

TypeId
BpfReuseportProgram::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::BpfReuseportProgram")
            .SetParent<ReuseportProgram>()
            .SetGroupName("ReuseportMigration")
            .AddConstructor<BpfReuseportProgram>()
            .AddAttribute("InstructionBudget",
                          "Instructions one run may execute before it is stopped with an error.",
                          UintegerValue(EbpfVm::DEFAULT_BUDGET),
                          MakeUintegerAccessor(&BpfReuseportProgram::m_budget),
                          MakeUintegerChecker<uint64_t>(1));
    return tid;
}

BpfReuseportProgram::BpfReuseportProgram()
    : m_budget(EbpfVm::DEFAULT_BUDGET)
{
}

Ptr<UniformRandomVariable>
BpfReuseportProgram::Rng()
{
    // Created on first use: a program that draws no random number takes no ns-3 stream, so
    // the rest of a run draws the same numbers as with a C++ program in its place.
    if (!m_rng)
    {
        m_rng = CreateObject<UniformRandomVariable>();
    }
    return m_rng;
}

BpfReuseportProgram::~BpfReuseportProgram() = default;

void
BpfReuseportProgram::DoDispose()
{
    m_sockArrays.clear();
    m_vm.reset();
    ReuseportProgram::DoDispose();
}

void
BpfReuseportProgram::Load(const std::string& path, const std::string& program)
{
    NS_LOG_FUNCTION(this << path << program);
    BpfObject object = BpfObject::Open(path);
    const BpfProgramInfo& info = object.GetProgram(program);
    m_vm = std::make_unique<EbpfVm>(EbpfProgram::Load(info, object.GetMaps()));
    m_sockArrays.clear();
    for (const BpfMapDef& def : object.GetMaps())
    {
        Ptr<ReuseportSockArray> array;
        if (def.type == BPF_MAP_TYPE_REUSEPORT_SOCKARRAY)
        {
            array = CreateObject<ReuseportSockArray>();
            array->SetAttribute("MaxEntries", UintegerValue(def.maxEntries));
        }
        m_sockArrays.push_back(array);
    }
    SetAttachType(m_vm->GetProgram().IsMigrate() ? SELECT_OR_MIGRATE : SELECT);
    NS_LOG_DEBUG("loaded " << info.name << " (" << info.section << ") from " << path);
}

EbpfVm&
BpfReuseportProgram::GetVm()
{
    NS_ABORT_MSG_IF(!m_vm, "BpfReuseportProgram: no object loaded");
    return *m_vm;
}

std::string
BpfReuseportProgram::GetName() const
{
    return m_vm ? m_vm->GetProgram().GetName() : "bpf";
}

int64_t
BpfReuseportProgram::AssignStreams(int64_t stream)
{
    Rng()->SetStream(stream);
    return 1;
}

ProgramVerdict
BpfReuseportProgram::Run(ReuseportContext& ctx)
{
    NS_ABORT_MSG_IF(!m_vm, "BpfReuseportProgram: no object loaded");
    EbpfRunContext run;
    run.len = ctx.len;
    run.ethProtocol = htons(0x0800); // ETH_P_IP, as the kernel stores skb->protocol
    run.ipProtocol = IPPROTO_TCP;
    run.bindInany = ctx.bindInany ? 1 : 0;
    run.hash = ctx.hash;
    run.hasSk = static_cast<bool>(ctx.sk);
    run.hasMigratingSk = ctx.IsMigrating();
    if (ctx.packet)
    {
        // skb->data at the TCP header, data_end after the linear part: the whole segment,
        // since the model's segments are never fragmented. The buffer only grows.
        uint32_t size = ctx.packet->GetSize();
        if (m_data.size() < size)
        {
            m_data.resize(size);
        }
        ctx.packet->CopyData(m_data.data(), size);
        run.data = m_data.data();
        run.dataLen = size;
    }
    m_ctx = &ctx;
    m_vm->SetBudget(m_budget);
    uint64_t r0 = m_vm->Run(run, this);
    m_ctx = nullptr;
    // bpf_run_sk_reuseport: only SK_PASS (1) keeps the selection; anything else refuses.
    return r0 == SK_PASS ? ProgramVerdict::PASS : ProgramVerdict::DROP;
}

int64_t
BpfReuseportProgram::SelectReuseport(uint32_t map, uint32_t key, uint64_t)
{
    return m_ctx->SelectReuseport(m_sockArrays[map], key);
}

uint64_t
BpfReuseportProgram::GetSocketCookie(Ptr<const ReuseportListener> listener)
{
    // Cookies are never 0; listener ids are unique within a run.
    return static_cast<uint64_t>(listener->GetId()) + 1;
}

uint64_t
BpfReuseportProgram::GetSocketCookie(EbpfSocket which)
{
    if (which == EbpfSocket::SK)
    {
        return GetSocketCookie(m_ctx->sk);
    }
    // The model has no cookie for a request or child: one derived from its flow, with the top
    // bit set so that it never equals a listener's.
    return (uint64_t{1} << 63) | m_ctx->hash;
}

void
BpfReuseportProgram::FillSocket(EbpfSocket which, struct bpf_sock& out)
{
    out.family = AF_INET;
    out.type = SOCK_STREAM;
    out.protocol = IPPROTO_TCP;
    if (which == EbpfSocket::SK)
    {
        InetSocketAddress local = m_ctx->sk->GetLocal();
        out.src_ip4 = htonl(local.GetIpv4().Get());
        out.src_port = local.GetPort();
        out.state = BPF_TCP_LISTEN;
        return;
    }
    const FourTuple& t = m_ctx->tuple;
    out.src_ip4 = htonl(t.local.Get());
    out.src_port = t.localPort;
    out.dst_ip4 = htonl(t.remote.Get());
    out.dst_port = htons(t.remotePort);
    out.state = BpfTcpState(m_ctx->migratingState);
}

uint64_t
BpfReuseportProgram::GetTimeNs()
{
    return static_cast<uint64_t>(Simulator::Now().GetNanoSeconds());
}

uint32_t
BpfReuseportProgram::GetRandom()
{
    return Rng()->GetInteger(0, std::numeric_limits<uint32_t>::max());
}

void
BpfReuseportProgram::Trace([[maybe_unused]] const std::string& text)
{
    NS_LOG_INFO(GetName() << ": " << text);
}

Ptr<ReuseportSockArray>
BpfReuseportProgram::GetSockArray(const std::string& map) const
{
    int32_t i = m_vm ? m_vm->FindMap(map) : -1;
    if (i < 0 || !m_sockArrays[i])
    {
        throw BpfLoadError(GetName(), BpfLoadError::NO_INSN, "no REUSEPORT_SOCKARRAY named " + map);
    }
    return m_sockArrays[i];
}

BpfMap*
BpfReuseportProgram::UserMap(const std::string& map)
{
    int32_t i = m_vm ? m_vm->FindMap(map) : -1;
    BpfMap* m = i < 0 ? nullptr : m_vm->GetMap(static_cast<uint32_t>(i));
    if (!m)
    {
        throw BpfLoadError(GetName(), BpfLoadError::NO_INSN, "no ARRAY or HASH map named " + map);
    }
    return m;
}

int64_t
BpfReuseportProgram::UpdateElem(const std::string& map,
                                const void* key,
                                const void* value,
                                uint64_t flags)
{
    return UserMap(map)->Update(static_cast<const uint8_t*>(key),
                                static_cast<const uint8_t*>(value),
                                flags);
}

int64_t
BpfReuseportProgram::DeleteElem(const std::string& map, const void* key)
{
    return UserMap(map)->Delete(static_cast<const uint8_t*>(key));
}

bool
BpfReuseportProgram::LookupElem(const std::string& map, const void* key, void* value)
{
    BpfMap* m = UserMap(map);
    int32_t slot = m->Lookup(static_cast<const uint8_t*>(key));
    if (slot == BpfMap::NO_SLOT)
    {
        return false;
    }
    uint32_t size = m->GetDef().valueSize;
    std::memcpy(value, m->GetValues() + static_cast<size_t>(slot) * size, size);
    return true;
}

} // namespace ns3
