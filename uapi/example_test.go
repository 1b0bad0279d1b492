package uapi_test

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/kernsim/kernsim/uapi"
)

// An *Error carries the errno user space would read plus the failed check;
// errors.Is matches it against the uapi Errno and against syscall.Errno of
// the same number.
func ExampleError() {
	var err error = uapi.Err("unshare", uapi.EINVAL, "flags outside the unshare mask: CLONE_VFORK", "check_unshare_flags")
	fmt.Println(err)
	fmt.Println(errors.Is(err, uapi.EINVAL), errors.Is(err, syscall.Errno(22)), errors.Is(err, uapi.EPERM))
	var e *uapi.Error
	if errors.As(err, &e) {
		fmt.Println(e.Op, int(e.Errno), e.Errno.Name(), e.Check)
	}
	fmt.Println(uapi.ErrnoOf(err) == uapi.EINVAL)
	// Output:
	// unshare: EINVAL (Invalid argument): flags outside the unshare mask: CLONE_VFORK (check_unshare_flags)
	// true true false
	// unshare 22 EINVAL check_unshare_flags
	// true
}

func ExampleCloneFlags_String() {
	fmt.Println(uapi.CLONE_NEWUSER | uapi.CLONE_NEWUTS)
	fmt.Println(uapi.NSProxyFlags419)
	fmt.Println(uapi.CLONE_NEWUTS | uapi.CloneFlags(uapi.SIGCHLD))
	fmt.Println(uapi.CloneFlags(0))
	// Output:
	// CLONE_NEWUTS|CLONE_NEWUSER
	// CLONE_NEWNS|CLONE_NEWCGROUP|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWPID|CLONE_NEWNET
	// CLONE_NEWUTS|0x11
	// 0
}

func ExampleParseCloneFlags() {
	f, err := uapi.ParseCloneFlags("CLONE_NEWUSER|CLONE_NEWUTS|0x11")
	fmt.Printf("%#x %v\n", uint64(f), err)
	f, _ = uapi.ParseCloneFlags(f.String())
	fmt.Printf("%#x\n", uint64(f))
	_, err = uapi.ParseCloneFlags("CLONE_NEWFOO")
	fmt.Println(err)
	// Output:
	// 0x14000011 <nil>
	// 0x14000011
	// parse clone flags: EINVAL (Invalid argument): unknown flag "CLONE_NEWFOO"
}
