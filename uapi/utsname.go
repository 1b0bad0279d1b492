package uapi

// Lengths from include/uapi/linux/utsname.h.
const (
	NEW_UTS_LEN = 64 // __NEW_UTS_LEN: each new_utsname field is char[65]
	OLD_UTS_LEN = 8  // __OLD_UTS_LEN
)

// Utsname mirrors struct new_utsname as uname(2) copies it out: six fields in
// this order, each at most NEW_UTS_LEN bytes (the kernel keeps them NUL-padded
// in char[65]; here they are Go strings without the padding).
type Utsname struct {
	Sysname    string
	Nodename   string
	Release    string
	Version    string
	Machine    string
	Domainname string
}
