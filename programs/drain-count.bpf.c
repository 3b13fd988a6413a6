// SPDX-License-Identifier: GPL-2.0-only
/*
 * The second draining recipe of the socket migration patch set's cover letter: count the
 * SYNs steered to each listener in a map, then stop steering to it; the server closes it
 * once it has accepted as many connections as were counted.
 *
 * listeners holds the group's sockets in slots 0 .. listener_count[0] - 1. A SYN is steered
 * by hash % k over the slots with stopped[slot] == 0 and counted in syns[slot]; user space
 * sets stopped[slot] = 1 and reads syns[slot]. With every slot stopped, SYNs take the
 * kernel's hash pick and are not counted.
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
} stopped SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_LISTENERS);
	__type(key, __u32);
	__type(value, __u64);
} syns SEC(".maps");

static __always_inline int is_stopped(__u32 slot)
{
	__u32 *x = bpf_map_lookup_elem(&stopped, &slot);

	return x && *x;
}

SEC("sk_reuseport")
int drain_count(struct sk_reuseport_md *md)
{
	__u32 zero = 0, open = 0, target, slot;
	__u32 *n = bpf_map_lookup_elem(&listener_count, &zero);
	__u64 *count;

	if (!n)
		return SK_PASS;
	for (slot = 0; slot < MAX_LISTENERS && slot < *n; slot++)
		if (!is_stopped(slot))
			open++;
	/* No test of open == 0: the kernel's verifier would then follow every draining
	 * pattern apart and give up. With open == 0, hash % 0 keeps the hash (BPF's
	 * modulo by zero) and the loop below finds no slot: SK_PASS, no selection. */
	target = md->hash % open;
	for (slot = 0; slot < MAX_LISTENERS && slot < *n; slot++) {
		if (is_stopped(slot))
			continue;
		if (target-- == 0) {
			if (bpf_sk_select_reuseport(md, &listeners, &slot, 0) == 0) {
				count = bpf_map_lookup_elem(&syns, &slot);
				if (count)
					__sync_fetch_and_add(count, 1);
			}
			break;
		}
	}
	return SK_PASS;
}

char _license[] SEC("license") = "GPL";
