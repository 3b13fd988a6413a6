// SPDX-License-Identifier: GPL-2.0-only
/*
 * Prefer the newest generation: SYNs and migrated connections go to the listeners of
 * newest, slots 0 .. newest_count[0] - 1, by hash % n. With no such listener the program
 * passes without a selection (the kernel's hash pick), as the built-in
 * prefer-newest-generation does with pick "modulo"; user space refills the two maps when a
 * new generation starts listening.
 */

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_REUSEPORT_SOCKARRAY);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} newest SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} newest_count SEC(".maps");

SEC("sk_reuseport/migrate")
int prefer_newest_generation(struct sk_reuseport_md *md)
{
	__u32 zero = 0;
	__u32 *n = bpf_map_lookup_elem(&newest_count, &zero);
	__u32 key;

	if (!n || *n == 0)
		return SK_PASS;
	key = md->hash % *n;
	/* An empty slot (its listener stopped): the kernel's pick, as with no candidate. */
	bpf_sk_select_reuseport(md, &newest, &key, 0);
	return SK_PASS;
}

char _license[] SEC("license") = "GPL";
