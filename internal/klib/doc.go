// Package klib holds the string helpers of the kernel's lib/ that several
// kernsim packages parse user input with, so each rule exists once:
// lib/ctype.c's isspace, lib/string.c's skip_spaces and strstrip, and
// lib/kstrtox.c's _parse_integer_fixup_radix and _parse_integer, which
// simple_strtoull (lib/vsprintf.c), kstrtoull and memparse build on. The
// helpers take a string or a byte slice and read past its end as a NUL, as
// the kernel reads the terminated buffers it copies from user space. They
// hold no state and do not allocate.
package klib
