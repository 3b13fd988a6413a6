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
 * \brief Prefer the listeners with the highest value of a numeric label (by default
 * "generation"): new SYNs and migrated connections go to the newest workers. Among them,
 * the flow hash picks. With no labelled listener it passes without selecting.
 */
class PreferNewestGenerationProgram : public ReuseportProgram
{
  public:
    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();
    ProgramVerdict Run(ReuseportContext& ctx) override;
    std::string GetName() const override;

  private:
    std::string m_label; //!< the numeric label compared
};

/**
 * \ingroup reuseport-migration
 * \brief Never select a listener carrying one of the given labels (e.g. "generation=1"):
 * the flow hash picks among the others. If every listener is excluded, the program passes
 * without selecting (the kernel's hash pick) or drops, as OnEmpty says.
 */
class ExcludeLabelsProgram : public ReuseportProgram
{
  public:
    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();
    ProgramVerdict Run(ReuseportContext& ctx) override;
    std::string GetName() const override;

    /**
     * \param spec comma-separated key=value pairs, e.g. "generation=1,worker=3"
     */
    void SetExclude(const std::string& spec);

    /// \return the exclusions as "key=value,..."
    std::string GetExclude() const;

  private:
    std::vector<std::pair<std::string, std::string>> m_exclude; //!< excluded labels
    bool m_dropWhenEmpty{false}; //!< drop when all listeners are excluded
};

/**
 * \ingroup reuseport-migration
 * \brief Select the listening members in turn.
 */
class RoundRobinProgram : public ReuseportProgram
{
  public:
    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();
    ProgramVerdict Run(ReuseportContext& ctx) override;
    std::string GetName() const override;

  private:
    uint64_t m_next{0}; //!< next turn
};

/**
 * \ingroup reuseport-migration
 * \brief Select the listener with the shortest accept queue (ties: the flow hash picks among
 * them).
 */
class LeastLoadedProgram : public ReuseportProgram
{
  public:
    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();
    ProgramVerdict Run(ReuseportContext& ctx) override;
    std::string GetName() const override;
};

/**
 * \ingroup reuseport-migration
 * \brief Return SK_DROP for everything: SYNs are refused with a RST and, attached as
 * SELECT_OR_MIGRATE, every migration fails.
 */
class DropAllProgram : public ReuseportProgram
{
  public:
    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();
    ProgramVerdict Run(ReuseportContext& ctx) override;
    std::string GetName() const override;
};

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
