package trace_test

import (
	"fmt"

	"github.com/kernsim/kernsim/trace"
)

func ExampleTracer() {
	tr := trace.New()
	task := trace.Cursor{PID: 1} // embedded in the simulated task_struct

	tr.Enter(&task, "do_syscall_64") // tracing off: not recorded
	tr.Start()                       // echo 1 > tracing_on
	tr.Enter(&task, "ksys_unshare")
	tr.Comment(&task, "CLONE_NEWUTS")
	tr.Enter(&task, "unshare_nsproxy_namespaces")
	tr.Enter(&task, "create_new_namespaces")
	tr.Mark(&task, "copy_mnt_ns")
	tr.Enter(&task, "copy_utsname")
	tr.Enter(&task, "clone_uts_ns")
	tr.Exit(&task, "clone_uts_ns")
	tr.Exit(&task, "copy_utsname")
	tr.Exit(&task, "create_new_namespaces")
	tr.Exit(&task, "unshare_nsproxy_namespaces")
	tr.Exit(&task, "ksys_unshare")
	tr.Exit(&task, "do_syscall_64") // its entry was not recorded: nothing

	fmt.Print(tr)
	fmt.Println(tr.Names())
	// Output:
	//  0)  |  ksys_unshare() {
	//  0)  |    /* CLONE_NEWUTS */
	//  0)  |    unshare_nsproxy_namespaces() {
	//  0)  |      create_new_namespaces() {
	//  0)  |        copy_mnt_ns();
	//  0)  |        copy_utsname() {
	//  0)  |          clone_uts_ns();
	//  0)  |        }
	//  0)  |      }
	//  0)  |    }
	//  0)  |  }
	// [ksys_unshare unshare_nsproxy_namespaces create_new_namespaces copy_mnt_ns copy_utsname clone_uts_ns]
}
