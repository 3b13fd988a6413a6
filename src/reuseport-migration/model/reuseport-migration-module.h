/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

/**
 * \defgroup reuseport-migration Linux SO_REUSEPORT listeners and socket migration
 *
 * A packet-level model of the Linux kernel's TCP listener machinery (reuseport groups,
 * request sockets, accept queues, close/shutdown, socket migration) on ns-3 TCP, with the
 * applications and scenario runner to compare restart strategies.
 */

#ifndef REUSEPORT_MIGRATION_MODULE_H
#define REUSEPORT_MIGRATION_MODULE_H

#include "ns3/builtin-programs.h"
#include "ns3/client-connection.h"
#include "ns3/client-load-generator.h"
#include "ns3/client-tcp-socket.h"
#include "ns3/client-tcp-stack.h"
#include "ns3/four-tuple.h"
#include "ns3/kernel-events.h"
#include "ns3/linux-tcp-defaults.h"
#include "ns3/reuseport-group.h"
#include "ns3/reuseport-helper.h"
#include "ns3/reuseport-listener.h"
#include "ns3/reuseport-program.h"
#include "ns3/reuseport-selector.h"
#include "ns3/reuseport-sock-array.h"
#include "ns3/reuseport-stack.h"
#include "ns3/reuseport-tcp-socket.h"
#include "ns3/syn-flood-application.h"
#include "ns3/tcp-flag-drop-model.h"
#include "ns3/tcp-mib.h"
#include "ns3/worker-application.h"

#endif /* REUSEPORT_MIGRATION_MODULE_H */
