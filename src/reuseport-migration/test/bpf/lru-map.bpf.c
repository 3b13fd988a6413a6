// SPDX-License-Identifier: GPL-2.0-only
/* Refused by the simulator: an LRU_HASH map, a type it does not model. */

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u32);
} seen SEC(".maps");

SEC("sk_reuseport")
int lru_map(struct sk_reuseport_md *md)
{
	__u32 key = md->hash;

	return bpf_map_lookup_elem(&seen, &key) ? SK_DROP : SK_PASS;
}

char _license[] SEC("license") = "GPL";
