/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef EBPF_VM_H
#define EBPF_VM_H

#include "bpf-map.h"
#include "ebpf-program.h"

#include <cstdint>
#include <linux/bpf.h>
#include <string>
#include <vector>

namespace ns3
{

/**
 * \ingroup reuseport-migration
 * \brief Which socket of the context a program refers to.
 */
enum class EbpfSocket : uint8_t
{
    SK,           //!< ctx->sk
    MIGRATING_SK, //!< ctx->migrating_sk
};

/**
 * \ingroup reuseport-migration
 * \brief What the helpers need from the world the program runs in.
 */
class EbpfHost
{
  public:
    virtual ~EbpfHost() = default;

    /**
     * \brief bpf_sk_select_reuseport.
     * \param map the index of a REUSEPORT_SOCKARRAY map
     * \param key the key
     * \param flags the flags
     * \return 0 or a negative errno
     */
    virtual int64_t SelectReuseport(uint32_t map, uint32_t key, uint64_t flags) = 0;

    /**
     * \param which the socket
     * \return its cookie (never 0)
     */
    virtual uint64_t GetSocketCookie(EbpfSocket which) = 0;

    /**
     * \brief Fill the struct bpf_sock a program reads through ctx->sk or ctx->migrating_sk
     * (asked at most once per run, at the first read).
     * \param which the socket
     * \param out the structure, zeroed
     */
    virtual void FillSocket(EbpfSocket which, struct bpf_sock& out) = 0;

    /// \return bpf_ktime_get_ns()
    virtual uint64_t GetTimeNs() = 0;

    /// \return bpf_get_prandom_u32()
    virtual uint32_t GetRandom() = 0;

    /**
     * \param text a bpf_trace_printk line
     */
    virtual void Trace(const std::string& text) = 0;
};

/**
 * \ingroup reuseport-migration
 * \brief The context of one run: the fields of struct sk_reuseport_md.
 */
struct EbpfRunContext
{
    const uint8_t* data{nullptr}; //!< the segment from its TCP header on, or null
    uint32_t dataLen{0};          //!< bytes at data (data_end - data)
    uint32_t len{0};              //!< len
    uint32_t ethProtocol{0};      //!< eth_protocol (network byte order)
    uint32_t ipProtocol{0};       //!< ip_protocol
    uint32_t bindInany{0};        //!< bind_inany
    uint32_t hash{0};             //!< hash
    bool hasSk{true};             //!< sk is not NULL
    bool hasMigratingSk{false};   //!< migrating_sk is not NULL
};

/**
 * \ingroup reuseport-migration
 * \brief An interpreter of the eBPF instruction set (RFC 9669) for one SK_REUSEPORT program
 * and its ARRAY and HASH maps.
 *
 * Every memory access is checked against the region its address names: the context (read
 * only, its fields only), the 512-byte stack, the packet, the sockets, a map's values. A run
 * that would leave them, or executes more than the budget of instructions, stops with a
 * BpfRuntimeError naming the instruction. Runs do not allocate.
 */
class EbpfVm
{
  public:
    /// Instructions one run may execute.
    static constexpr uint64_t DEFAULT_BUDGET = 1000000;

    /**
     * \param program the program
     */
    explicit EbpfVm(EbpfProgram program);

    /// \return the program
    const EbpfProgram& GetProgram() const;

    /**
     * \param budget instructions one run may execute
     */
    void SetBudget(uint64_t budget);

    /**
     * \brief Run the program once.
     * \param ctx the context
     * \param host the helpers' world (may be null if the program calls no helper that needs it)
     * \return r0 at exit
     * \throws BpfRuntimeError
     */
    uint64_t Run(const EbpfRunContext& ctx, EbpfHost* host);

    /**
     * \param index a map's index
     * \return its storage, or null for a REUSEPORT_SOCKARRAY
     */
    BpfMap* GetMap(uint32_t index);

    /**
     * \param name a map's name
     * \return its index, or -1
     */
    int32_t FindMap(const std::string& name) const;

    /// \return the instructions executed by the last run
    uint64_t GetLastInsnCount() const;

  private:
    /// A map's values as the program addresses them.
    struct Values
    {
        uint8_t* base{nullptr}; //!< first value
        uint32_t valueSize{0};  //!< bytes per value
        uint32_t total{0};      //!< bytes in all
        bool readOnly{false};   //!< .rodata
    };

    /// \return host memory for size bytes at addr, or throws
    uint8_t* Translate(uint64_t addr, uint32_t size, bool write, size_t pc);
    /// Translate() for the interpreter's loop.
    uint8_t* TranslateFast(uint64_t addr, uint32_t size, bool write, size_t pc);
    /// The rarer regions, and the fault.
    uint8_t* TranslateSlow(uint64_t addr, uint32_t size, bool write, size_t pc);
    [[noreturn]] void Fault(size_t pc, const std::string& why) const;
    std::string Describe(uint64_t addr, uint32_t size, bool write) const;
    uint64_t Call(const EbpfInsn& insn, uint64_t* r, size_t pc);
    BpfMap* MapArg(uint64_t addr, size_t pc, uint32_t* index);
    uint64_t TracePrintk(uint64_t* r, size_t pc);
    template <typename T>
    T Load(uint64_t addr, size_t pc);
    template <typename T>
    void Store(uint64_t addr, T value, size_t pc);
    template <typename T>
    void Atomic(const EbpfInsn& insn, uint64_t* r, size_t pc);

    EbpfProgram m_program;             //!< program
    std::vector<BpfMap> m_maps;        //!< storage (empty for sockarrays)
    std::vector<Values> m_values;      //!< by map index
    uint64_t m_budget{DEFAULT_BUDGET}; //!< per run
    uint64_t m_lastCount{0};           //!< last run
    alignas(8) uint8_t m_ctx[56];      //!< struct sk_reuseport_md

    /// A caller's state while a BPF function it called runs.
    struct Frame
    {
        size_t returnPc{0};  //!< the call instruction
        uint64_t saved[4]{}; //!< r6-r9
    };

    alignas(8) uint8_t m_stack[bpfaddr::STACK_TOTAL]; //!< every frame's stack
    Frame m_frames[bpfaddr::MAX_CALL_FRAMES];         //!< callers, outermost first
    uint32_t m_depth{0};                              //!< frames below the program's
    uint32_t m_stackLow{0}; //!< the current frame's lowest stack byte, from STACK_BASE
    alignas(8) struct bpf_sock m_socks[2]; //!< sk, migrating_sk
    bool m_sockFilled[2]{false, false};    //!< filled this run
    const EbpfRunContext* m_run{nullptr};  //!< current run
    EbpfHost* m_host{nullptr};             //!< current host
};

} // namespace ns3

#endif /* EBPF_VM_H */
