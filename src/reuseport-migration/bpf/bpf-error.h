/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef BPF_ERROR_H
#define BPF_ERROR_H

#include <cstdint>
#include <stdexcept>
#include <string>

namespace ns3
{

/**
 * \ingroup reuseport-migration
 * \brief An eBPF object or program the simulator cannot run, found when it is loaded: what
 * the kernel's loader or verifier would have refused, or what the simulator does not model.
 */
class BpfLoadError : public std::runtime_error
{
  public:
    /// Where no instruction is concerned.
    static constexpr int64_t NO_INSN = -1;

    /**
     * \param where the object file or the program's name
     * \param insn the instruction index, or NO_INSN
     * \param reason what is wrong
     */
    BpfLoadError(const std::string& where, int64_t insn, const std::string& reason);

    /// \return the object file or the program's name
    const std::string& GetWhere() const;

    /// \return the instruction index, or NO_INSN
    int64_t GetInsn() const;

    /// \return what is wrong
    const std::string& GetReason() const;

  private:
    std::string m_where;  //!< object or program
    int64_t m_insn;       //!< instruction index
    std::string m_reason; //!< what is wrong
};

/**
 * \ingroup reuseport-migration
 * \brief A program that faulted while running (a memory access out of bounds, the instruction
 * budget exhausted): the kernel's verifier would not have let it load.
 */
class BpfRuntimeError : public std::runtime_error
{
  public:
    /**
     * \param program the program's name
     * \param insn the instruction index
     * \param reason what happened
     */
    BpfRuntimeError(const std::string& program, int64_t insn, const std::string& reason);

    /// \return the instruction index
    int64_t GetInsn() const;

    /// \return what happened
    const std::string& GetReason() const;

  private:
    int64_t m_insn;       //!< instruction index
    std::string m_reason; //!< what happened
};

} // namespace ns3

#endif /* BPF_ERROR_H */
