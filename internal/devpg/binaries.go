package devpg

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// serverBinaries are the programs that Start runs. pg_ctl finds postgres in
// its own directory, so all three must sit side by side.
var serverBinaries = []string{"initdb", "pg_ctl", "postgres"}

// debianBinGlob matches the per-version directories of Debian's postgresql
// packages, which keep initdb and postgres off PATH.
const debianBinGlob = "/usr/lib/postgresql/*/bin"

// FindBinDir returns the directory that contains initdb, pg_ctl and postgres.
// It looks up initdb on PATH first and falls back to the newest
// /usr/lib/postgresql/VERSION/bin.
func FindBinDir() (string, error) {
	if initdb, err := exec.LookPath("initdb"); err == nil {
		// A PATH entry may be a symlink into the real installation, so
		// check both the link's directory and the target's.
		candidates := []string{filepath.Dir(initdb)}
		if resolved, err := filepath.EvalSymlinks(initdb); err == nil {
			candidates = append(candidates, filepath.Dir(resolved))
		}
		for _, dir := range candidates {
			if hasServerBinaries(dir) {
				return dir, nil
			}
		}
	}

	dirs, err := filepath.Glob(debianBinGlob)
	if err != nil {
		return "", fmt.Errorf("list PostgreSQL installations in %s: %w", debianBinGlob, err)
	}
	slices.SortFunc(dirs, compareVersionDirs)
	for _, dir := range slices.Backward(dirs) {
		if hasServerBinaries(dir) {
			return dir, nil
		}
	}

	return "", errors.New("PostgreSQL server binaries (initdb, pg_ctl, postgres) not found on PATH or in " +
		debianBinGlob + ". Install them with `apt-get install postgresql`, or add their directory to PATH")
}

// hasServerBinaries reports whether dir contains every program in serverBinaries
// as an executable file.
func hasServerBinaries(dir string) bool {
	for _, name := range serverBinaries {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil || !info.Mode().IsRegular() || info.Mode().Perm()&0o111 == 0 {
			return false
		}
	}
	return true
}

// compareVersionDirs orders /usr/lib/postgresql/VERSION/bin paths by VERSION
// as a number, so that 9.6 sorts before 10. Directories whose version does
// not parse sort first, making them the last choice.
func compareVersionDirs(a, b string) int {
	return slices.Compare(versionOf(a), versionOf(b))
}

func versionOf(binDir string) []int {
	name := filepath.Base(filepath.Dir(binDir))
	var version []int
	for part := range strings.SplitSeq(name, ".") {
		number, err := strconv.Atoi(part)
		if err != nil {
			return nil
		}
		version = append(version, number)
	}
	return version
}
