package devpg

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockFileName is the file in DataDir whose exclusive lock marks the
// directory as in use. The kernel releases the lock when its process exits,
// so a crashed process never leaves the directory locked.
const lockFileName = "devpg.lock"

// lockDataDir takes the exclusive lock on dataDir, or fails at once when
// another live process holds it. Without it, a second Start on the same
// directory would take the first process's running server for a leftover
// and stop it.
func lockDataDir(dataDir string) (*os.File, error) {
	path := filepath.Join(dataDir, lockFileName)
	file, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file %s: %w", path, err)
	}

	if err := syscall.Flock(int(file.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = file.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("data directory %s is in use by another running process "+
				"(for example another kmsmeta serve); stop it or choose another data directory", dataDir)
		}
		return nil, fmt.Errorf("lock data directory %s: %w", dataDir, err)
	}
	return file, nil
}
