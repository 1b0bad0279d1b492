// Package sysctl is the number parsing of kernel/sysctl.c's proc handlers,
// shared by every simulated /proc/sys file that stores integers (procfs's
// ns_last_pid, pid_max and max_*_namespaces; ipcns's ipc sysctls).
//
// A write is parsed as __do_proc_dointvec and __do_proc_doulongvec_minmax
// parse it: at most PAGE_SIZE-1 bytes, white space (isspace, 0xa0 included)
// between values, proc_get_long for each number (an optional '-', a digit,
// then simple_strtoul with base 0 over at most 21 bytes, followed by ' ',
// '\t', '\n' or the end), each value converted and stored at once, trailing
// white space consumed, an empty write accepted without storing anything,
// and a write with no value at all EINVAL.
//
// Where 4.19.13 and mainline differ it is the caller's flavour that chooses:
//   - proc_get_long: 4.19.13 lets simple_strtoul wrap on overflow; mainline
//     (5.1, "sysctl: handle overflow in proc_get_long") refuses it (EINVAL);
//   - do_proc_dointvec_minmax_conv: 4.19.13 cuts the value to an int before
//     the range check (4294967301 becomes 5); mainline refuses a magnitude
//     above INT_MAX (INT_MAX+1 when negative) first. do_proc_dointvec_conv
//     refuses it in both;
//   - __do_proc_doulongvec_minmax: 4.19.13 skips a negative value without
//     error; mainline refuses it.
//
// The package has no state; its functions are safe for concurrent use.
package sysctl
