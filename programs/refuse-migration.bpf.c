// SPDX-License-Identifier: GPL-2.0-only
/*
 * Refuse every migration, steer nothing.
 *
 * Attached as SELECT_OR_MIGRATE, the group becomes migration-capable, but every migration
 * fails (SK_DROP): children in the accept queue are reset at close, and requests are dropped.
 * SYNs pass without a selection, so the kernel's hash pick steers them.
 */

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("sk_reuseport/migrate")
int refuse_migration(struct sk_reuseport_md *md)
{
	return md->migrating_sk ? SK_DROP : SK_PASS;
}

char _license[] SEC("license") = "GPL";
