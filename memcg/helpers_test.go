package memcg

import (
	"errors"

	"github.com/kernsim/kernsim/uapi"
)

func errorsIsEINVAL(err error) bool { return errors.Is(err, uapi.EINVAL) }
