/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// The helpers an SK_REUSEPORT program calls (EbpfVm::Call): arguments in r1-r5, result in r0.

#include "bpf-error.h"
#include "ebpf-vm.h"

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace ns3
{

BpfMap*
EbpfVm::MapArg(uint64_t addr, size_t pc, uint32_t* index)
{
    uint32_t region = static_cast<uint32_t>(addr >> 32);
    if (static_cast<uint32_t>(addr) != 0 || region < bpfaddr::MAP ||
        region - bpfaddr::MAP >= m_maps.size())
    {
        Fault(pc, "the map argument is not a map");
    }
    *index = region - bpfaddr::MAP;
    return &m_maps[*index];
}

uint64_t
EbpfVm::Call(const EbpfInsn& in, uint64_t* r, size_t pc)
{
    auto needHost = [&]() {
        if (!m_host)
        {
            Fault(pc, "helper called without a host");
        }
    };
    auto noSockarray = [&](BpfMap* m) {
        if (m->GetDef().type == BPF_MAP_TYPE_REUSEPORT_SOCKARRAY)
        {
            Fault(pc,
                  "map " + m->GetDef().name +
                      ": a REUSEPORT_SOCKARRAY is only for bpf_sk_select_reuseport");
        }
    };
    uint32_t index = 0;
    switch (in.helper)
    {
    case BpfHelper::MAP_LOOKUP_ELEM: {
        BpfMap* m = MapArg(r[BPF_REG_1], pc, &index);
        noSockarray(m);
        const uint8_t* key = Translate(r[BPF_REG_2], m->GetDef().keySize, false, pc);
        int32_t slot = m->Lookup(key);
        if (slot == BpfMap::NO_SLOT)
        {
            return 0;
        }
        return bpfaddr::Make(bpfaddr::MAP_VALUE + index,
                             static_cast<uint32_t>(slot) * m->GetDef().valueSize);
    }
    case BpfHelper::MAP_UPDATE_ELEM: {
        BpfMap* m = MapArg(r[BPF_REG_1], pc, &index);
        noSockarray(m);
        const uint8_t* key = Translate(r[BPF_REG_2], m->GetDef().keySize, false, pc);
        const uint8_t* value = Translate(r[BPF_REG_3], m->GetDef().valueSize, false, pc);
        if (m->GetDef().readOnly)
        {
            Fault(pc, "map " + m->GetDef().name + " is read-only");
        }
        return static_cast<uint64_t>(m->Update(key, value, r[BPF_REG_4]));
    }
    case BpfHelper::MAP_DELETE_ELEM: {
        BpfMap* m = MapArg(r[BPF_REG_1], pc, &index);
        noSockarray(m);
        const uint8_t* key = Translate(r[BPF_REG_2], m->GetDef().keySize, false, pc);
        return static_cast<uint64_t>(m->Delete(key));
    }
    case BpfHelper::KTIME_GET_NS:
        needHost();
        return m_host->GetTimeNs();
    case BpfHelper::GET_PRANDOM_U32:
        needHost();
        return m_host->GetRandom();
    case BpfHelper::TRACE_PRINTK:
        return TracePrintk(r, pc);
    case BpfHelper::GET_SOCKET_COOKIE: {
        needHost();
        uint64_t a = r[BPF_REG_1];
        if (a == bpfaddr::Make(bpfaddr::SK, 0))
        {
            return m_host->GetSocketCookie(EbpfSocket::SK);
        }
        if (a == bpfaddr::Make(bpfaddr::MIGRATING_SK, 0))
        {
            return m_host->GetSocketCookie(EbpfSocket::MIGRATING_SK);
        }
        Fault(pc, "bpf_get_socket_cookie needs ctx->sk or ctx->migrating_sk");
    }
    case BpfHelper::SK_SELECT_REUSEPORT: {
        needHost();
        if (r[BPF_REG_1] != bpfaddr::Make(bpfaddr::CTX, 0))
        {
            Fault(pc, "bpf_sk_select_reuseport needs the context as its first argument");
        }
        BpfMap* m = MapArg(r[BPF_REG_2], pc, &index);
        if (m->GetDef().type != BPF_MAP_TYPE_REUSEPORT_SOCKARRAY)
        {
            Fault(pc, "bpf_sk_select_reuseport needs a REUSEPORT_SOCKARRAY");
        }
        uint32_t key;
        std::memcpy(&key, Translate(r[BPF_REG_3], 4, false, pc), 4);
        return static_cast<uint64_t>(m_host->SelectReuseport(index, key, r[BPF_REG_4]));
    }
    case BpfHelper::NONE:
        break;
    }
    Fault(pc, "unknown helper"); // refused at load
}

uint64_t
EbpfVm::TracePrintk(uint64_t* r, size_t pc)
{
    // bpf_trace_printk(fmt, fmt_size, a, b, c): up to three arguments of %d %i %u %x %ld
    // %lu %lx %lld %llu %llx %p %c and %%.
    uint32_t size = static_cast<uint32_t>(r[BPF_REG_2]);
    if (size == 0 || size > 1024)
    {
        return static_cast<uint64_t>(-EINVAL);
    }
    const char* fmt = reinterpret_cast<const char*>(Translate(r[BPF_REG_1], size, false, pc));
    if (fmt[size - 1] != '\0')
    {
        return static_cast<uint64_t>(-EINVAL);
    }
    std::string out;
    int arg = 0;
    for (const char* p = fmt; *p; ++p)
    {
        if (*p != '%')
        {
            out += *p;
            continue;
        }
        ++p;
        if (*p == '%')
        {
            out += '%';
            continue;
        }
        int longs = 0;
        while (*p == 'l')
        {
            ++longs;
            ++p;
        }
        if (arg >= 3 || !*p)
        {
            return static_cast<uint64_t>(-EINVAL);
        }
        uint64_t v = r[BPF_REG_3 + arg++];
        if (longs == 0 && *p != 'p')
        {
            v = *p == 'd' || *p == 'i'
                    ? static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(v)))
                    : static_cast<uint32_t>(v);
        }
        char buf[32];
        switch (*p)
        {
        case 'd':
        case 'i':
            std::snprintf(buf, sizeof(buf), "%" PRId64, static_cast<int64_t>(v));
            break;
        case 'u':
            std::snprintf(buf, sizeof(buf), "%" PRIu64, v);
            break;
        case 'x':
            std::snprintf(buf, sizeof(buf), "%" PRIx64, v);
            break;
        case 'p':
            std::snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
            break;
        case 'c':
            std::snprintf(buf, sizeof(buf), "%c", static_cast<char>(v));
            break;
        default:
            return static_cast<uint64_t>(-EINVAL);
        }
        out += buf;
    }
    if (m_host)
    {
        m_host->Trace(out);
    }
    return out.size();
}

} // namespace ns3
