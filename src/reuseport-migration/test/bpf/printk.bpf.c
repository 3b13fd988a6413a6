// SPDX-License-Identifier: GPL-2.0-only
/* A SELECT program that prints the hash and the length (a format string in .rodata). */

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("sk_reuseport")
int printk(struct sk_reuseport_md *md)
{
	bpf_printk("hash %u len %d", md->hash, md->len);
	return SK_PASS;
}

char _license[] SEC("license") = "GPL";
