/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef BUILTIN_PROGRAMS_H
#define BUILTIN_PROGRAMS_H

#include "reuseport-program.h"

#include <map>
#include <string>
#include <vector>

namespace ns3
{

/**
 * \ingroup reuseport-migration
 * \brief What every built-in program shares: when it acts (Scope) and how it picks one of
 * its candidates by the flow hash (Pick).
 *
 * Scope "migration" makes a program pass every plain SYN without a selection (the kernel's
 * hash pick steers it), as programs that test migrating_sk do. Pick "reciprocal-scale" takes
 * candidate reciprocal_scale(hash, n) in the group's listening order, as the kernel spreads
 * flows; "modulo" takes candidate hash % n with the candidates in worker order (the "worker"
 * label, then socket creation), as a program indexing a sockarray that the master fills with
 * each worker's socket at its index.
 */
class BuiltinReuseportProgram : public ReuseportProgram
{
  public:
    /// When the program acts.
    enum Scope
    {
        ALL,       //!< SYN steering and migrations
        MIGRATION, //!< migrations only: SYNs pass without a selection
    };

    /// How a candidate is picked by the flow hash.
    enum Pick
    {
        RECIPROCAL_SCALE, //!< reciprocal_scale(hash, n), listening order
        MODULO,           //!< hash % n, worker order
    };

    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();

    ProgramVerdict Run(ReuseportContext& ctx) final;

  protected:
    /**
     * \param ctx the context, in the program's scope
     * \return the verdict
     */
    virtual ProgramVerdict DoRun(ReuseportContext& ctx) = 0;

    /**
     * \brief Select one of the candidates by the flow hash, as Pick says.
     * \param ctx the context
     * \param candidates the listeners, in the group's listening order; none: no selection
     * \return SK_PASS
     */
    ProgramVerdict SelectByHash(ReuseportContext& ctx,
                                std::vector<Ptr<ReuseportListener>> candidates) const;

  private:
    Scope m_scope{ALL};            //!< when it acts
    Pick m_pick{RECIPROCAL_SCALE}; //!< how it picks
};

/**
 * \ingroup reuseport-migration
 * \brief Prefer the listeners with the highest value of a numeric label (by default
 * "generation"): new SYNs and migrated connections go to the newest workers. Among them,
 * the flow hash picks. With no labelled listener it passes without selecting.
 */
class PreferNewestGenerationProgram : public BuiltinReuseportProgram
{
  public:
    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();
    std::string GetName() const override;

  protected:
    ProgramVerdict DoRun(ReuseportContext& ctx) override;

  private:
    std::string m_label; //!< the numeric label compared
};

/**
 * \ingroup reuseport-migration
 * \brief Never select a listener carrying one of the given labels (e.g. "generation=1"):
 * the flow hash picks among the others. If every listener is excluded, the program passes
 * without selecting (the kernel's hash pick) or drops, as OnEmpty says.
 */
class ExcludeLabelsProgram : public BuiltinReuseportProgram
{
  public:
    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();
    std::string GetName() const override;

    /**
     * \param spec comma-separated key=value pairs, e.g. "generation=1,worker=3"
     */
    void SetExclude(const std::string& spec);

    /// \return the exclusions as "key=value,..."
    std::string GetExclude() const;

  protected:
    ProgramVerdict DoRun(ReuseportContext& ctx) override;

  private:
    std::vector<std::pair<std::string, std::string>> m_exclude; //!< excluded labels
    bool m_dropWhenEmpty{false}; //!< drop when all listeners are excluded
};

/**
 * \ingroup reuseport-migration
 * \brief Select the listening members in turn.
 */
class RoundRobinProgram : public BuiltinReuseportProgram
{
  public:
    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();
    std::string GetName() const override;

  protected:
    ProgramVerdict DoRun(ReuseportContext& ctx) override;

  private:
    uint64_t m_next{0}; //!< next turn
};

/**
 * \ingroup reuseport-migration
 * \brief Select the listener with the shortest accept queue (ties: the flow hash picks among
 * them).
 */
class LeastLoadedProgram : public BuiltinReuseportProgram
{
  public:
    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();
    std::string GetName() const override;

  protected:
    ProgramVerdict DoRun(ReuseportContext& ctx) override;
};

/**
 * \ingroup reuseport-migration
 * \brief Return SK_DROP for everything: SYNs are refused with a RST and, attached as
 * SELECT_OR_MIGRATE, every migration fails.
 */
class DropAllProgram : public BuiltinReuseportProgram
{
  public:
    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();
    std::string GetName() const override;

  protected:
    ProgramVerdict DoRun(ReuseportContext& ctx) override;
};

/**
 * \ingroup reuseport-migration
 * \brief The worker order: by the "worker" label, then by creation (socket id). A master
 * that stores each worker's socket at its index fills a sockarray in this order.
 * \param a a listener
 * \param b another
 * \return whether a comes first
 */
bool WorkerOrder(const Ptr<ReuseportListener>& a, const Ptr<ReuseportListener>& b);

/**
 * \ingroup reuseport-migration
 * \brief Create a built-in program from its scenario name.
 * \param name "prefer-newest-generation", "exclude-labels", "round-robin", "least-loaded"
 * or "drop-all"
 * \return the program, or null for an unknown name
 */
Ptr<ReuseportProgram> CreateBuiltinProgram(const std::string& name);

/// \return the names CreateBuiltinProgram() knows
std::vector<std::string> GetBuiltinProgramNames();

} // namespace ns3

#endif /* BUILTIN_PROGRAMS_H */
