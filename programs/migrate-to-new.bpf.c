// SPDX-License-Identifier: GPL-2.0-only
/*
 * Migrate only to the new listeners, spread by hash % n.
 *
 * SYNs (migrating_sk == NULL) pass without a selection: the kernel's hash pick steers them.
 * On a migration, n = new_count[0] and the listener in slot hash % n of new_listeners is
 * selected; with no new listener, or an empty slot, the migration is refused (SK_DROP).
 *
 * Build: clang -target bpf -O2 -g -c migrate-to-new.bpf.c -o migrate-to-new.bpf.o
 */

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_REUSEPORT_SOCKARRAY);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} new_listeners SEC(".maps");

/* new_count[0]: how many slots of new_listeners, from 0, hold the new generation. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} new_count SEC(".maps");

SEC("sk_reuseport/migrate")
int migrate_to_new(struct sk_reuseport_md *md)
{
	__u32 zero = 0;
	__u32 *n;
	__u32 key;

	if (!md->migrating_sk)
		return SK_PASS;

	n = bpf_map_lookup_elem(&new_count, &zero);
	if (!n || *n == 0)
		return SK_DROP;

	key = md->hash % *n;
	if (bpf_sk_select_reuseport(md, &new_listeners, &key, 0) != 0)
		return SK_DROP;
	return SK_PASS;
}

char _license[] SEC("license") = "GPL";
