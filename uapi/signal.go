package uapi

// Signal is a signal number (x86-64, include/uapi/asm-generic/signal.h).
type Signal int

// The signals the simulator uses.
const (
	SIGHUP  Signal = 1
	SIGINT  Signal = 2
	SIGKILL Signal = 9
	SIGTERM Signal = 15
	SIGCHLD Signal = 17
	SIGSTOP Signal = 19
	NSIG    Signal = 64 // _NSIG: highest valid signal
)
