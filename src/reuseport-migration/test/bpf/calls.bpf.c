// SPDX-License-Identifier: GPL-2.0-only
/* A SELECT program that calls BPF functions instead of inlining them: clang puts them in
 * .text and the call instructions are relocated against it. The callee writes into its
 * caller's stack through a pointer and into a map, uses a stack of its own, and the caller's
 * callee-saved registers survive the calls. With hash 1 and len 7 it stores
 * out[0] = 1 + 10 + 13 = 24, out[1] = 24 + 100 + 103 = 227, out[2] = 7 and
 * out[3] = (1 + 4) * 2 + 1 = 11 (two frames deep). */

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} out SEC(".maps");

static __noinline __u64 add_and_store(__u32 key, __u64 *acc, __u64 v)
{
	volatile __u64 local[4] = {v, v + 1, v + 2, v + 3};
	__u64 *slot;

	*acc += local[0] + local[3];
	slot = bpf_map_lookup_elem(&out, &key);
	if (slot)
		*slot = *acc;
	return *acc;
}

static __noinline __u64 twice(__u64 x)
{
	return x * 2;
}

static __noinline __u64 twice_plus_one(__u64 x)
{
	return twice(x) + 1;
}

SEC("sk_reuseport")
int calls(struct sk_reuseport_md *md)
{
	__u64 acc = md->hash;
	__u64 len = md->len;
	__u32 key = 2;
	__u64 *slot;

	add_and_store(0, &acc, 10);
	add_and_store(1, &acc, 100);
	slot = bpf_map_lookup_elem(&out, &key);
	if (slot)
		*slot = len;
	key = 3;
	slot = bpf_map_lookup_elem(&out, &key);
	if (slot)
		*slot = twice_plus_one(md->hash + 4);
	return SK_PASS;
}

char _license[] SEC("license") = "GPL";
