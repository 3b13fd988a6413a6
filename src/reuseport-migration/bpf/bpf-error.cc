/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "bpf-error.h"

namespace ns3
{

namespace
{

std::string
LoadMessage(const std::string& where, int64_t insn, const std::string& reason)
{
    std::string at = insn == BpfLoadError::NO_INSN ? "" : ", instruction " + std::to_string(insn);
    return "cannot load " + where + at + ": " + reason;
}

} // namespace

BpfLoadError::BpfLoadError(const std::string& where, int64_t insn, const std::string& reason)
    : std::runtime_error(LoadMessage(where, insn, reason)),
      m_where(where),
      m_insn(insn),
      m_reason(reason)
{
}

const std::string&
BpfLoadError::GetWhere() const
{
    return m_where;
}

int64_t
BpfLoadError::GetInsn() const
{
    return m_insn;
}

const std::string&
BpfLoadError::GetReason() const
{
    return m_reason;
}

BpfRuntimeError::BpfRuntimeError(const std::string& program,
                                 int64_t insn,
                                 const std::string& reason)
    : std::runtime_error("program " + program + " faulted at instruction " + std::to_string(insn) +
                         ": " + reason),
      m_insn(insn),
      m_reason(reason)
{
}

int64_t
BpfRuntimeError::GetInsn() const
{
    return m_insn;
}

const std::string&
BpfRuntimeError::GetReason() const
{
    return m_reason;
}

} // namespace ns3
