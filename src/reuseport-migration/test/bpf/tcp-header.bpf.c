// SPDX-License-Identifier: GPL-2.0-only
/* A SELECT program that reads the segment's TCP header through data and data_end, as the
 * verifier allows an SK_REUSEPORT program to, and keeps what it read in an array:
 * 0 the destination port, 1 the header length, 2 data_end - data, 3 the SYN flag,
 * 4 ctx->len, 5 the runs that found fewer bytes than a TCP header. */

#include <linux/bpf.h>
#include <linux/tcp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 6);
	__type(key, __u32);
	__type(value, __u64);
} seen SEC(".maps");

static __always_inline void put(__u32 key, __u64 value)
{
	__u64 *slot = bpf_map_lookup_elem(&seen, &key);

	if (slot)
		*slot = value;
}

SEC("sk_reuseport")
int tcp_header(struct sk_reuseport_md *md)
{
	struct tcphdr *th = md->data;

	if ((void *)(th + 1) > md->data_end) {
		__u32 key = 5;
		__u64 *short_runs = bpf_map_lookup_elem(&seen, &key);

		if (short_runs)
			*short_runs += 1;
		return SK_PASS;
	}
	put(0, bpf_ntohs(th->dest));
	put(1, th->doff * 4);
	put(2, (__u64)((long)md->data_end - (long)md->data));
	put(3, th->syn);
	put(4, md->len);
	return SK_PASS;
}

char _license[] SEC("license") = "GPL";
