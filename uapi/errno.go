package uapi

import (
	"strconv"
	"strings"
	"syscall"
)

// Errno is a Linux error number, as a syscall returns it negated in the kernel
// and user space reads it from errno. The numbers are x86-64's (asm-generic).
//
// Errno implements error. errors.Is matches an Errno against the same Errno and
// against the syscall.Errno of the same number, so a differential test can compare
// a simulated error with one the real kernel returned.
type Errno int32

// Name returns the errno's symbolic name, such as "EINVAL".
func (e Errno) Name() string {
	if e > 0 && int(e) < len(errnoTable) && errnoTable[e].name != "" {
		return errnoTable[e].name
	}
	switch e {
	case ERESTARTSYS:
		return "ERESTARTSYS"
	case ERESTARTNOINTR:
		return "ERESTARTNOINTR"
	}
	return "errno " + strconv.Itoa(int(e))
}

// Message returns the text strerror(3) gives for the errno, such as "Invalid argument".
func (e Errno) Message() string {
	if e > 0 && int(e) < len(errnoTable) && errnoTable[e].msg != "" {
		return errnoTable[e].msg
	}
	return "Unknown error " + strconv.Itoa(int(e))
}

// Error returns "NAME (message)", for example "EINVAL (Invalid argument)".
func (e Errno) Error() string { return e.Name() + " (" + e.Message() + ")" }

// Is reports whether target is the same error number, as an Errno or a syscall.Errno.
func (e Errno) Is(target error) bool {
	switch t := target.(type) {
	case Errno:
		return t == e
	case syscall.Errno:
		return int32(t) == int32(e)
	}
	return false
}

// ErrnoByName returns the errno called name ("EINVAL"), or false.
func ErrnoByName(name string) (Errno, bool) {
	for i, r := range errnoTable {
		if r.name == name {
			return Errno(i), true
		}
	}
	switch name {
	case "EWOULDBLOCK":
		return EAGAIN, true
	case "EDEADLOCK":
		return EDEADLK, true
	case "ENOTSUP":
		return EOPNOTSUPP, true
	}
	return 0, false
}

// Error is the error a simulated syscall returns: the errno user space would see,
// the operation (the syscall or file operation), and the kernel check that failed
// with the function that makes it. errors.Is(err, uapi.EINVAL) matches on Errno.
type Error struct {
	Op     string // "clone", "unshare", "setns", "sethostname", "open", ...
	Errno  Errno  // what user space reads from errno
	Reason string // the failed condition, e.g. "CLONE_NEWUSER with CLONE_FS"
	Check  string // the kernel function making the check, e.g. "check_unshare_flags"
}

// Err builds an *Error. It is the one constructor every package uses, so messages
// keep one shape: "op: ERRNO (message): reason (check)".
func Err(op string, errno Errno, reason, check string) *Error {
	return &Error{Op: op, Errno: errno, Reason: reason, Check: check}
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	b.WriteString(": ")
	b.WriteString(e.Errno.Error())
	if e.Reason != "" {
		b.WriteString(": ")
		b.WriteString(e.Reason)
	}
	if e.Check != "" {
		b.WriteString(" (")
		b.WriteString(e.Check)
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap returns the Errno, so errors.Is and errors.As see it.
func (e *Error) Unwrap() error { return e.Errno }

// WithOp returns a copy of e reported under another operation name. Inner kernel
// functions build errors with their own names (e.g. "copy_utsname"); the syscall
// entry relabels them with the syscall ("clone") while keeping the check.
func (e *Error) WithOp(op string) *Error {
	c := *e
	c.Op = op
	return &c
}

// ErrnoOf returns the Errno carried by err, or 0 when err is nil or carries none.
func ErrnoOf(err error) Errno {
	for err != nil {
		switch e := err.(type) {
		case Errno:
			return e
		case *Error:
			return e.Errno
		case syscall.Errno:
			return Errno(e)
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return 0
		}
		err = u.Unwrap()
	}
	return 0
}
