// SPDX-License-Identifier: GPL-2.0-only
/*
 * Never select an excluded listener: listeners holds the group's sockets in slots
 * 0 .. listener_count[0] - 1, and excluded[slot] != 0 marks those that carry an excluded
 * label (user space fills it). The others are picked by hash % k; with none left the
 * program drops if drop_when_empty[0] != 0, else passes without a selection. The built-in
 * exclude-labels with pick "modulo" decides the same.
 */

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define MAX_LISTENERS 64

struct {
	__uint(type, BPF_MAP_TYPE_REUSEPORT_SOCKARRAY);
	__uint(max_entries, MAX_LISTENERS);
	__type(key, __u32);
	__type(value, __u64);
} listeners SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} listener_count SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_LISTENERS);
	__type(key, __u32);
	__type(value, __u32);
} excluded SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} drop_when_empty SEC(".maps");

static __always_inline int is_excluded(__u32 slot)
{
	__u32 *x = bpf_map_lookup_elem(&excluded, &slot);

	return x && *x;
}

SEC("sk_reuseport/migrate")
int exclude_labels(struct sk_reuseport_md *md)
{
	__u32 zero = 0, allowed = 0, target, slot;
	__u32 *n = bpf_map_lookup_elem(&listener_count, &zero);
	__u32 *drop = bpf_map_lookup_elem(&drop_when_empty, &zero);

	if (!n)
		return SK_PASS;
	for (slot = 0; slot < MAX_LISTENERS && slot < *n; slot++)
		if (!is_excluded(slot))
			allowed++;
	/* No test of allowed == 0 here: the kernel's verifier would then follow every
	 * exclusion pattern apart and give up. With allowed == 0, hash % 0 keeps the hash
	 * (BPF's modulo by zero) and the loop below finds no slot. */
	target = md->hash % allowed;
	for (slot = 0; slot < MAX_LISTENERS && slot < *n; slot++) {
		if (is_excluded(slot))
			continue;
		if (target-- == 0) {
			bpf_sk_select_reuseport(md, &listeners, &slot, 0);
			return SK_PASS;
		}
	}
	return drop && *drop ? SK_DROP : SK_PASS;
}

char _license[] SEC("license") = "GPL";
