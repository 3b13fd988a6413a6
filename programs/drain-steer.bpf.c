// SPDX-License-Identifier: GPL-2.0-only
/*
 * The first draining recipe of the socket migration patch set's cover letter: stop routing
 * SYNs to a listener through a map flag, then close it once its queues are empty.
 *
 * listeners holds the group's sockets in slots 0 .. listener_count[0] - 1; user space sets
 * draining[slot] = 1 for the sockets on their way out. SYNs are steered by hash % k over the
 * slots not draining (none left: the kernel's hash pick); as SELECT only, the close itself
 * migrates nothing.
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
} draining SEC(".maps");

static __always_inline int is_draining(__u32 slot)
{
	__u32 *x = bpf_map_lookup_elem(&draining, &slot);

	return x && *x;
}

SEC("sk_reuseport")
int drain_steer(struct sk_reuseport_md *md)
{
	__u32 zero = 0, open = 0, target, slot;
	__u32 *n = bpf_map_lookup_elem(&listener_count, &zero);

	if (!n)
		return SK_PASS;
	for (slot = 0; slot < MAX_LISTENERS && slot < *n; slot++)
		if (!is_draining(slot))
			open++;
	/* No test of open == 0: the kernel's verifier would then follow every draining
	 * pattern apart and give up. With open == 0, hash % 0 keeps the hash (BPF's
	 * modulo by zero) and the loop below finds no slot: SK_PASS, no selection. */
	target = md->hash % open;
	for (slot = 0; slot < MAX_LISTENERS && slot < *n; slot++) {
		if (is_draining(slot))
			continue;
		if (target-- == 0) {
			bpf_sk_select_reuseport(md, &listeners, &slot, 0);
			break;
		}
	}
	return SK_PASS;
}

char _license[] SEC("license") = "GPL";
