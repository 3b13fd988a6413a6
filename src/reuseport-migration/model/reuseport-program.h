/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef REUSEPORT_PROGRAM_H
#define REUSEPORT_PROGRAM_H

#include "four-tuple.h"

#include "ns3/callback.h"
#include "ns3/object.h"
#include "ns3/packet.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ns3
{

class ReuseportGroup;
class ReuseportListener;
class ReuseportSockArray;

/**
 * \ingroup reuseport-migration
 * \brief A program's verdict: SK_PASS or SK_DROP.
 */
enum class ProgramVerdict : uint8_t
{
    PASS, //!< SK_PASS: use the selected listener, or the kernel's hash pick if none
    DROP, //!< SK_DROP: refuse (a SYN gets a RST; a migration fails)
};

/**
 * \ingroup reuseport-migration
 * \brief The TCP state of the socket being migrated, as a program reads
 * migrating_sk->state; NONE while steering.
 */
enum class MigratingState : uint8_t
{
    NONE,         //!< steering: migrating_sk == NULL
    ESTABLISHED,  //!< BPF_TCP_ESTABLISHED: an accept-queue child
    SYN_RECV,     //!< BPF_TCP_SYN_RECV: a TCP Fast Open child (not modelled)
    NEW_SYN_RECV, //!< BPF_TCP_NEW_SYN_RECV: a request
    CLOSE_WAIT,   //!< BPF_TCP_CLOSE_WAIT: a child whose peer sent FIN
    CLOSE,        //!< BPF_TCP_CLOSE: a child whose peer reset it
};

/**
 * \param state a state
 * \return its name
 */
const char* MigratingStateName(MigratingState state);

/**
 * \ingroup reuseport-migration
 * \brief What a reuseport program sees and selects (struct sk_reuseport_md and the kernel's
 * sk_reuseport_kern).
 */
class ReuseportContext
{
  public:
    FourTuple tuple;          //!< the connection (from the packet, or the migrating socket)
    uint32_t hash{0};         //!< the flow hash the kernel would use (sk_hash when migrating)
    uint32_t len{0};          //!< packet length from the TCP header on; 0 at close and at the timer
    Ptr<const Packet> packet; //!< the segment from its TCP header on (data..data_end), or null
    uint8_t tcpFlags{0};      //!< the segment's TCP flags, read from its header (0 without one)
    bool bindInany{false};    //!< the group is bound to 0.0.0.0
    Ptr<ReuseportListener> sk; //!< steering: the member the lookup hit; migration: the
                               //!< listener that stopped
    MigratingState migratingState{MigratingState::NONE}; //!< NONE while steering
    Ptr<ReuseportGroup> group;                           //!< the group the program is attached to

    /// \return true when the program runs for a migration
    bool IsMigrating() const;

    /// \return the group's listening section (the sockets selection may return)
    std::vector<Ptr<ReuseportListener>> GetListeners() const;

    /**
     * \brief bpf_sk_select_reuseport(ctx, map, &key, 0).
     * \param map a REUSEPORT_SOCKARRAY
     * \param key the index
     * \return 0, -ENOENT (empty slot, or the socket left its group), or -EBADFD (a socket of
     * another group)
     */
    int SelectReuseport(Ptr<ReuseportSockArray> map, uint32_t key);

    /**
     * \brief Select a listener directly: what a program does with a sockarray holding the
     * group's listening members.
     * \param listener the listener
     * \return 0, or -ENOENT if it is not a listening member of this group
     */
    int SelectListener(Ptr<ReuseportListener> listener);

    /// \return the selected listener, or null
    Ptr<ReuseportListener> GetSelected() const;

  private:
    Ptr<ReuseportListener> m_selected; //!< selected_sk
};

/**
 * \ingroup reuseport-migration
 * \brief An eBPF-like program attached to a reuseport group (BPF_PROG_TYPE_SK_REUSEPORT).
 *
 * A program with attach type SELECT runs only for SYN steering (every lookup that reaches a
 * listener); one with SELECT_OR_MIGRATE also runs for each migration and makes the group
 * migration-capable by itself. Subclass it and implement Run(), or use
 * CallbackReuseportProgram to attach any C++ callable.
 */
class ReuseportProgram : public Object
{
  public:
    /// The program's expected attach type.
    enum AttachType
    {
        SELECT,            //!< BPF_SK_REUSEPORT_SELECT (section "sk_reuseport")
        SELECT_OR_MIGRATE, //!< BPF_SK_REUSEPORT_SELECT_OR_MIGRATE ("sk_reuseport/migrate")
    };

    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();

    /**
     * \param ctx the context; select a listener through it
     * \return the verdict
     */
    virtual ProgramVerdict Run(ReuseportContext& ctx) = 0;

    /// \return the program's name, as scenario files spell it
    virtual std::string GetName() const = 0;

    /// \return the attach type
    AttachType GetAttachType() const;

    /**
     * \param type the attach type
     */
    void SetAttachType(AttachType type);

    /// \return how many times the program ran
    uint64_t GetRunCount() const;

    /**
     * \brief Run the program and count the run (used by the kernel model).
     * \param ctx the context
     * \return the verdict
     */
    ProgramVerdict Execute(ReuseportContext& ctx);

  private:
    AttachType m_attachType{SELECT}; //!< expected attach type
    uint64_t m_runs{0};              //!< runs
};

/**
 * \ingroup reuseport-migration
 * \brief A program given as a C++ callback.
 */
class CallbackReuseportProgram : public ReuseportProgram
{
  public:
    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();

    /**
     * \param program the callback; with no callback the program passes without selecting
     */
    void SetCallback(Callback<ProgramVerdict, ReuseportContext&> program);

    ProgramVerdict Run(ReuseportContext& ctx) override;
    std::string GetName() const override;

  private:
    Callback<ProgramVerdict, ReuseportContext&> m_program; //!< the program
};

} // namespace ns3

#endif /* REUSEPORT_PROGRAM_H */
