// SPDX-License-Identifier: GPL-2.0-only
/* Refused at load: reads the 4 bytes of padding after sk_reuseport_md.hash (offset 36). */

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("sk_reuseport")
int context_padding(struct sk_reuseport_md *md)
{
	__u32 v = *(volatile __u32 *)((char *)md + 36);

	return v ? SK_DROP : SK_PASS;
}

char _license[] SEC("license") = "GPL";
