package kernsim_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kernsim/kernsim"
	"github.com/kernsim/kernsim/cgroup"
	"github.com/kernsim/kernsim/internal/realkernel"
	"github.com/kernsim/kernsim/internal/scenario"
)

// pidsV1Script runs the pids-controller scenarios of the kernel's
// test_pids.c shape on a v1 pids hierarchy: a limit stops forks with EAGAIN
// and counts the refusal, a reaped child makes room, pids.max parsing, and
// EBUSY for a populated cgroup. $CG is the cgroup's path. Each step's answer
// on Linux 6.18 follows its '#'.
const pidsV1Script = `
mkdir init $CG                          # ok
read_path init $CG/pids.max             # content=max\n
read_path init $CG/pids.current         # content=0\n
write_path init $CG/pids.max 3          # ok
write_path init $CG/pids.max -1         # EINVAL
write_path init $CG/pids.max junk       # EINVAL
read_path init $CG/pids.max             # content=3\n
clone init B 0                          # ok
write_pid init B $CG/cgroup.procs       # ok
read_path init $CG/pids.current         # content=1\n
clone B C1 0                            # ok
clone B C2 0                            # ok
clone B C3 0                            # EAGAIN
read_path init $CG/pids.current         # content=3\n
read_path init $CG/pids.events          # content=max 1\n
rmdir init $CG                          # EBUSY
# An exited child still counts until it is reaped.
exit C1 0                               # ok
clone B C4 0                            # EAGAIN
wait B C1                               # exited=0
clone B C5 0                            # ok
read_path init $CG/pids.events          # content=max 2\n
# Moving a task in ignores the limit.
clone init D 0                          # ok
write_pid init D $CG/cgroup.procs       # ok
read_path init $CG/pids.current         # content=4\n
write_path init $CG/pids.max max        # ok
read_path init $CG/pids.max             # content=max\n
exit C2 0                               # ok
wait B C2                               # exited=0
exit C5 0                               # ok
wait B C5                               # exited=0
exit B 0                                # ok
wait init B                             # exited=0
exit D 0                                # ok
wait init D                             # exited=0
read_path init $CG/pids.current         # content=0\n
rmdir init $CG                          # ok
`

func TestDifferentialPidsV1(t *testing.T) {
	t.Parallel()
	// The same path on both sides: the machine's v1 pids hierarchy, and a
	// simulated kernel with pids mounted as v1 (its /sys/fs/cgroup/pids).
	cg := fmt.Sprintf("/sys/fs/cgroup/pids/kernsim-diff-%d", os.Getpid())
	script := strings.ReplaceAll(pidsV1Script, "$CG", cg)
	steps, wants := parseDiffScript(t, script)

	var real []string
	if h := realHelper(t); h != nil {
		if _, err := os.Stat("/sys/fs/cgroup/pids/pids.max"); err == nil || os.IsNotExist(err) {
			if _, err := os.Stat("/sys/fs/cgroup/pids/cgroup.procs"); err != nil {
				t.Log("real side skipped: no v1 pids hierarchy at /sys/fs/cgroup/pids")
				h = nil
			}
		}
		if h != nil {
			t.Cleanup(func() { _ = os.Remove(cg) }) // tasks are gone when the helper exits
			var err error
			real, err = h.RunScript(script)
			require.NoError(t, err, "real kernel:\n%s", strings.Join(real, "\n"))
			require.Len(t, real, len(steps))
			for i := range steps {
				assert.Equal(t, wants[i], real[i], "step %d %q: the recorded answer is not what the real kernel says", i+1, steps[i])
			}
		}
	}
	for _, fl := range []kernsim.Flavour{kernsim.Linux419, kernsim.Mainline} {
		k, err := kernsim.Boot(kernsim.Config{Flavour: fl, Cgroup: cgroup.Options{
			Subsys: []cgroup.Subsys{cgroup.NewPidsController()}, V1: [][]string{{"pids"}}}})
		require.NoError(t, err)
		sim, err := scenario.RunSim(k, script)
		require.NoError(t, err, "simulator:\n%s", strings.Join(sim, "\n"))
		require.Len(t, sim, len(steps))
		for i := range steps {
			assert.Equal(t, wants[i], sim[i], "simulator (%s), step %d %q", flavourName(fl), i+1, steps[i])
			if real != nil {
				assert.Equal(t, real[i], sim[i], "real kernel vs simulator, step %d %q", i+1, steps[i])
			}
		}
		require.NoError(t, k.Check())
		k.PowerOff()
		require.NoError(t, k.Leaks())
	}
	if real == nil {
		realkernel.Require(t) // says why the real side did not run
	}
}
