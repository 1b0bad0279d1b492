package refcount

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	uintMax = uint32(0xffffffff)
	sat     = uint32(0xc0000000) // REFCOUNT_SATURATED = INT_MIN/2
	intMax  = uint32(0x7fffffff)

	wSat     = "refcount_t: saturated; leaking memory."
	wIncZero = "refcount_t: increment on 0; use-after-free."
	wAddZero = "refcount_t: addition on 0; use-after-free."
	wUnder   = "refcount_t: underflow; use-after-free."
	wDecZero = "refcount_t: decrement hit 0; leaking memory."
)

// ret is the expected boolean result of an operation, if it has one.
type ret int8

const (
	none ret = iota // operation returns nothing
	T
	F
)

type rcCase struct {
	name  string
	start uint32
	op    string
	n     uint32
	ret   ret
	want  uint32
	warn  string // "" means no warning
}

// apply runs op on r and returns its boolean result, if any.
func apply(t *testing.T, r *Refcount, op string, n uint32) ret {
	t.Helper()
	b := func(v bool) ret {
		if v {
			return T
		}
		return F
	}
	switch op {
	case "inc":
		r.Inc()
	case "inc_not_zero":
		return b(r.IncNotZero())
	case "add":
		r.Add(n)
	case "add_not_zero":
		return b(r.AddNotZero(n))
	case "dec_and_test":
		return b(r.DecAndTest())
	case "sub_and_test":
		return b(r.SubAndTest(n))
	case "dec":
		r.Dec()
	case "dec_if_one":
		return b(r.DecIfOne())
	case "dec_not_one":
		return b(r.DecNotOne())
	case "dec_and_lock":
		var mu sync.Mutex
		got := r.DecAndLock(&mu)
		// The lock must be held exactly when DecAndLock reports true.
		require.Equal(t, !got, mu.TryLock(), "lock held state after DecAndLock")
		return b(got)
	default:
		t.Fatalf("unknown op %q", op)
	}
	return none
}

// domainKinds are the two ways a Domain guards its counters: atomic
// instructions (NewDomain) and plain words under the owner's lock
// (NewSerialDomain, a Kernel's big kernel lock). Every case runs in both.
var domainKinds = []struct {
	name string
	new  func(Flavour) *Domain
}{
	{"atomic", NewDomain},
	{"serial", NewSerialDomain},
}

func runRefcountCases(t *testing.T, f Flavour, cases []rcCase) {
	for _, dk := range domainKinds {
		t.Run(dk.name, func(t *testing.T) { runRefcountCasesIn(t, f, dk.new, cases) })
	}
}

func runRefcountCasesIn(t *testing.T, f Flavour, newDomain func(Flavour) *Domain, cases []rcCase) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := newDomain(f)
			o := newObj("uts_namespace", 4026531838)
			var r Refcount
			r.Init(d, o, tc.start)
			require.Equal(t, d.Serialised(), r.plain, "the counter follows its domain's mode")
			got := apply(t, &r, tc.op, tc.n)
			assert.Equal(t, tc.ret, got, "return value")
			assert.Equal(t, tc.want, r.Read(), "value: got %#x want %#x", r.Read(), tc.want)
			if tc.warn == "" {
				assert.Empty(t, d.Warnings(), "no warning expected")
				return
			}
			assert.Equal(t, []Warning{{Message: tc.warn, Object: "uts_namespace 4026531838"}}, d.Warnings())
		})
	}
}

func TestRefcount419(t *testing.T) {
	runRefcountCases(t, Linux419, []rcCase{
		{"inc/normal", 1, "inc", 0, none, 2, ""},
		{"inc/from zero warns and stays 0", 0, "inc", 0, none, 0, wIncZero},
		{"inc/reaching UINT_MAX saturates", uintMax - 1, "inc", 0, none, uintMax, wSat},
		{"inc/at UINT_MAX is silent and stuck", uintMax, "inc", 0, none, uintMax, ""},
		{"inc/past INT_MAX is fine", intMax, "inc", 0, none, intMax + 1, ""},

		{"inc_not_zero/zero", 0, "inc_not_zero", 0, F, 0, ""},
		{"inc_not_zero/normal", 5, "inc_not_zero", 0, T, 6, ""},
		{"inc_not_zero/reaching UINT_MAX", uintMax - 1, "inc_not_zero", 0, T, uintMax, wSat},
		{"inc_not_zero/saturated", uintMax, "inc_not_zero", 0, T, uintMax, ""},

		{"add/normal", 2, "add", 3, none, 5, ""},
		{"add/on zero warns and stays 0", 0, "add", 2, none, 0, wAddZero},
		{"add/overflow saturates", uintMax - 2, "add", 5, none, uintMax, wSat},
		{"add/exactly UINT_MAX saturates", uintMax - 5, "add", 5, none, uintMax, wSat},
		{"add/on saturated is silent", uintMax, "add", 7, none, uintMax, ""},

		{"add_not_zero/zero", 0, "add_not_zero", 4, F, 0, ""},
		{"add_not_zero/normal", 10, "add_not_zero", 5, T, 15, ""},
		{"add_not_zero/overflow", uintMax - 1, "add_not_zero", 9, T, uintMax, wSat},
		{"add_not_zero/saturated", uintMax, "add_not_zero", 9, T, uintMax, ""},
		{"add_not_zero/adding UINT_MAX wraps to val-1", 5, "add_not_zero", uintMax, T, uintMax, wSat},

		{"dec_and_test/last", 1, "dec_and_test", 0, T, 0, ""},
		{"dec_and_test/not last", 2, "dec_and_test", 0, F, 1, ""},
		{"dec_and_test/underflow unchanged", 0, "dec_and_test", 0, F, 0, wUnder},
		{"dec_and_test/saturated unchanged", uintMax, "dec_and_test", 0, F, uintMax, ""},

		{"sub_and_test/to zero", 3, "sub_and_test", 3, T, 0, ""},
		{"sub_and_test/not zero", 5, "sub_and_test", 2, F, 3, ""},
		{"sub_and_test/underflow unchanged", 3, "sub_and_test", 4, F, 3, wUnder},
		{"sub_and_test/saturated unchanged", uintMax, "sub_and_test", 2, F, uintMax, ""},

		{"dec/normal", 2, "dec", 0, none, 1, ""},
		{"dec/hit zero warns", 1, "dec", 0, none, 0, wDecZero},
		{"dec/underflow unchanged", 0, "dec", 0, none, 0, wUnder},
		{"dec/saturated unchanged", uintMax, "dec", 0, none, uintMax, ""},

		{"dec_if_one/one", 1, "dec_if_one", 0, T, 0, ""},
		{"dec_if_one/two", 2, "dec_if_one", 0, F, 2, ""},
		{"dec_if_one/zero", 0, "dec_if_one", 0, F, 0, ""},
		{"dec_if_one/saturated", uintMax, "dec_if_one", 0, F, uintMax, ""},

		{"dec_not_one/one", 1, "dec_not_one", 0, F, 1, ""},
		{"dec_not_one/three", 3, "dec_not_one", 0, T, 2, ""},
		{"dec_not_one/zero underflow", 0, "dec_not_one", 0, T, 0, wUnder},
		{"dec_not_one/saturated", uintMax, "dec_not_one", 0, T, uintMax, ""},

		{"dec_and_lock/last takes lock", 1, "dec_and_lock", 0, T, 0, ""},
		{"dec_and_lock/not last", 3, "dec_and_lock", 0, F, 2, ""},
		{"dec_and_lock/saturated", uintMax, "dec_and_lock", 0, F, uintMax, ""},
	})
}

func TestRefcountMainline(t *testing.T) {
	runRefcountCases(t, Mainline, []rcCase{
		{"inc/normal", 1, "inc", 0, none, 2, ""},
		{"inc/from zero saturates", 0, "inc", 0, none, sat, wAddZero},
		{"inc/to REFCOUNT_MAX is fine", intMax - 1, "inc", 0, none, intMax, ""},
		{"inc/overflow past INT_MAX saturates", intMax, "inc", 0, none, sat, wSat},
		{"inc/on saturated warns again", sat, "inc", 0, none, sat, wSat},
		{"inc/just below saturation is bad", sat - 1, "inc", 0, none, sat, wSat},
		{"inc/at UINT_MAX is bad", uintMax, "inc", 0, none, sat, wSat},

		{"inc_not_zero/zero", 0, "inc_not_zero", 0, F, 0, ""},
		{"inc_not_zero/normal", 5, "inc_not_zero", 0, T, 6, ""},
		{"inc_not_zero/overflow", intMax, "inc_not_zero", 0, T, sat, wSat},
		{"inc_not_zero/saturated", sat, "inc_not_zero", 0, T, sat, wSat},

		{"add/normal", 2, "add", 3, none, 5, ""},
		{"add/on zero saturates", 0, "add", 2, none, sat, wAddZero},
		{"add/overflow saturates", intMax - 5, "add", 10, none, sat, wSat},
		{"add/on saturated", sat, "add", 3, none, sat, wSat},

		{"add_not_zero/zero", 0, "add_not_zero", 4, F, 0, ""},
		{"add_not_zero/normal", 10, "add_not_zero", 5, T, 15, ""},
		{"add_not_zero/overflow", intMax - 1, "add_not_zero", 9, T, sat, wSat},
		// The kernel's i is an int: 0xffffffff is -1 and does not overflow.
		{"add/n is the kernel's signed int", 5, "add", uintMax, none, 4, ""},
		{"add_not_zero/negative i into the bad range", 1, "add_not_zero", uintMax - 1, T, sat, wSat},

		{"dec_and_test/last", 1, "dec_and_test", 0, T, 0, ""},
		{"dec_and_test/not last", 2, "dec_and_test", 0, F, 1, ""},
		{"dec_and_test/underflow saturates", 0, "dec_and_test", 0, F, sat, wUnder},
		{"dec_and_test/saturated warns", sat, "dec_and_test", 0, F, sat, wUnder},

		{"sub_and_test/to zero", 3, "sub_and_test", 3, T, 0, ""},
		{"sub_and_test/not zero", 5, "sub_and_test", 2, F, 3, ""},
		{"sub_and_test/underflow saturates", 3, "sub_and_test", 4, F, sat, wUnder},

		{"dec/normal", 2, "dec", 0, none, 1, ""},
		{"dec/hit zero saturates", 1, "dec", 0, none, sat, wDecZero},
		{"dec/from zero saturates", 0, "dec", 0, none, sat, wDecZero},
		{"dec/saturated", sat, "dec", 0, none, sat, wDecZero},

		{"dec_if_one/one", 1, "dec_if_one", 0, T, 0, ""},
		{"dec_if_one/two", 2, "dec_if_one", 0, F, 2, ""},
		{"dec_if_one/saturated", sat, "dec_if_one", 0, F, sat, ""},

		{"dec_not_one/one", 1, "dec_not_one", 0, F, 1, ""},
		{"dec_not_one/three", 3, "dec_not_one", 0, T, 2, ""},
		{"dec_not_one/zero underflow", 0, "dec_not_one", 0, T, 0, wUnder},
		{"dec_not_one/saturated", sat, "dec_not_one", 0, T, sat, ""},

		{"dec_and_lock/last takes lock", 1, "dec_and_lock", 0, T, 0, ""},
		{"dec_and_lock/not last", 3, "dec_and_lock", 0, F, 2, ""},
	})
}

func TestRefcountSaturated(t *testing.T) {
	for _, tc := range []struct {
		f    Flavour
		v    uint32
		want bool
	}{
		{Linux419, 1, false},
		{Linux419, intMax + 1, false},
		{Linux419, sat, false},
		{Linux419, uintMax - 1, false},
		{Linux419, uintMax, true},
		{Mainline, 1, false},
		{Mainline, intMax, false},
		{Mainline, intMax + 1, true},
		{Mainline, sat, true},
		{Mainline, uintMax, true},
	} {
		t.Run(fmt.Sprintf("%v/%#x", tc.f, tc.v), func(t *testing.T) {
			var r Refcount
			r.Init(NewDomain(tc.f), nil, 0)
			r.Set(tc.v)
			assert.Equal(t, tc.want, r.Saturated())
		})
	}
}

// TestRefcountSaturationIsSticky drives a counter into saturation and
// checks it never leaves, whatever is done to it afterwards.
func TestRefcountSaturationIsSticky(t *testing.T) {
	for _, f := range []Flavour{Linux419, Mainline} {
		t.Run(f.String(), func(t *testing.T) {
			d := NewDomain(f)
			var r Refcount
			r.Init(d, nil, 1)
			start := uintMax - 3 // 4.19: three increments short of UINT_MAX
			if f == Mainline {
				start = intMax - 2 // mainline: overflow past REFCOUNT_MAX
			}
			r.Set(start)
			for range 5 {
				r.Inc()
			}
			require.True(t, r.Saturated())
			want := f.SaturationValue()
			require.Equal(t, want, r.Read())
			for range 10 {
				r.Dec()
				assert.False(t, r.DecAndTest())
				r.Add(3)
				assert.True(t, r.IncNotZero())
				assert.True(t, r.DecNotOne())
			}
			assert.Equal(t, want, r.Read())
			assert.True(t, r.Saturated())
			ws := d.Warnings()
			require.NotEmpty(t, ws)
			assert.Equal(t, wSat, ws[0].Message)
			assert.Equal(t, "", ws[0].Object, "nil owner yields empty Object")
		})
	}
}

func TestRefcountWarningNamesOwnerAtWarnTime(t *testing.T) {
	d := NewDomain(Linux419)
	o := &obj{kind: "cred"}
	o.ref.Init(d, o)
	o.id = "pid 7" // set after Init: the label is computed when warning
	o.ref.Refcount.Set(0)
	o.ref.Get()
	assert.Equal(t, []Warning{{Message: wIncZero, Object: "cred pid 7"}}, d.Warnings())
}

func TestRefcountWithoutInit(t *testing.T) {
	var r Refcount
	r.Set(1)
	r.Inc()
	assert.Equal(t, uint32(2), r.Read(), "non-warning operations work without Init")
	assert.Nil(t, r.Domain())
	r.Set(0)
	assert.PanicsWithValue(t,
		"refcount: "+wIncZero+" (Refcount used without Init: no Domain to warn into)",
		func() { r.Inc() })
}

func TestFlavour(t *testing.T) {
	assert.Equal(t, "4.19.13", Linux419.String())
	assert.Equal(t, "mainline", Mainline.String())
	assert.Equal(t, "Flavour(9)", Flavour(9).String())
	assert.Equal(t, uintMax, Linux419.SaturationValue())
	assert.Equal(t, sat, Mainline.SaturationValue())
	assert.Equal(t, int32(-1<<31)/2, int32(Mainline.SaturationValue()), "REFCOUNT_SATURATED is INT_MIN/2")
	assert.Equal(t, Mainline, NewDomain(Mainline).Flavour())
	assert.Equal(t, Linux419, NewDomain(Linux419).Flavour())
	assert.Equal(t, Linux419, (*Domain)(nil).Flavour())
	assert.Panics(t, func() { NewDomain(Flavour(2)) })
}

func TestMessageConstants(t *testing.T) {
	assert.Equal(t, wSat, MsgSaturated)
	assert.Equal(t, wIncZero, MsgIncrementOnZero)
	assert.Equal(t, wAddZero, MsgAdditionOnZero)
	assert.Equal(t, wUnder, MsgUnderflow)
	assert.Equal(t, wDecZero, MsgDecrementHitZero)
}

// TestRefcountConcurrent hammers one counter from many goroutines: every
// increment is matched by a decrement, no DecAndTest sees zero while the
// initial reference is held, the final drop does, and nothing warns.
func TestRefcountConcurrent(t *testing.T) {
	const workers, per = 8, 2000
	for _, f := range []Flavour{Linux419, Mainline} {
		t.Run(f.String(), func(t *testing.T) {
			d := NewDomain(f)
			var r Refcount
			r.Init(d, nil, 1)
			var wg sync.WaitGroup
			for range workers {
				wg.Go(func() {
					for i := range per {
						r.Inc()
						if i%2 == 0 {
							require.True(t, r.IncNotZero())
							r.Dec()
						}
					}
				})
			}
			wg.Wait()
			require.Equal(t, uint32(1+workers*per), r.Read())

			var zero Atomic
			for range workers {
				wg.Go(func() {
					for range per {
						if r.DecAndTest() {
							zero.Inc()
						}
					}
				})
			}
			wg.Wait()
			assert.Equal(t, int32(0), zero.Read(), "the initial reference is still held")
			assert.True(t, r.DecAndTest(), "dropping the initial reference hits zero")
			assert.Equal(t, uint32(0), r.Read())
			assert.Empty(t, d.Warnings())
		})
	}
}
