package devpg

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
)

// serviceUserName is the account that Debian's postgresql packages create to
// own clusters. It runs the server when this process runs as root.
const serviceUserName = "postgres"

// account is the operating-system user that runs initdb, pg_ctl and postgres.
type account struct {
	name   string
	uid    int
	gids   []int
	asRoot bool // true when this process is root and switches to name for every command
}

// currentAccount returns the user that runs PostgreSQL. That is this
// process's user, or the postgres user when this process is root, because
// initdb, pg_ctl and postgres exit with an error when started as root.
func currentAccount() (account, error) {
	if os.Geteuid() != 0 {
		gids, err := os.Getgroups()
		if err != nil {
			return account{}, fmt.Errorf("list the groups of the current user: %w", err)
		}
		name := strconv.Itoa(os.Geteuid())
		if current, err := user.Current(); err == nil {
			name = current.Username
		}
		return account{
			name: name,
			uid:  os.Geteuid(),
			gids: append(gids, os.Getegid()),
		}, nil
	}

	serviceUser, err := user.Lookup(serviceUserName)
	if err != nil {
		return account{}, fmt.Errorf("look up user %q to run PostgreSQL as, because PostgreSQL does not run as root: %w. "+
			"Create that user (`apt-get install postgresql` does), or run as a non-root user",
			serviceUserName, err)
	}

	uid, err := strconv.Atoi(serviceUser.Uid)
	if err != nil {
		return account{}, fmt.Errorf("parse uid %q of user %q: %w", serviceUser.Uid, serviceUserName, err)
	}
	groupIDs, err := serviceUser.GroupIds()
	if err != nil {
		return account{}, fmt.Errorf("list the groups of user %q: %w", serviceUserName, err)
	}
	gids := make([]int, 0, len(groupIDs)+1)
	for _, id := range append([]string{serviceUser.Gid}, groupIDs...) {
		gid, err := strconv.Atoi(id)
		if err != nil {
			return account{}, fmt.Errorf("parse gid %q of user %q: %w", id, serviceUserName, err)
		}
		gids = append(gids, gid)
	}

	return account{name: serviceUserName, uid: uid, gids: gids, asRoot: true}, nil
}

// command builds an exec.Cmd that runs as the account, with dir as working
// directory because the caller's directory may be closed to that user.
func (a account) command(ctx context.Context, dir, program string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, program, args...)
	cmd.Dir = dir
	if a.asRoot {
		groups := make([]uint32, 0, len(a.gids))
		for _, gid := range a.gids {
			groups = append(groups, uint32(gid))
		}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{
			Uid:    uint32(a.uid),
			Gid:    uint32(a.gids[0]),
			Groups: groups,
		}}
	}
	return cmd
}

// run runs program as the account and returns its combined output, which
// error messages quote.
func (a account) run(ctx context.Context, dir, program string, args ...string) (string, error) {
	var output bytes.Buffer
	cmd := a.command(ctx, dir, program, args...)
	cmd.Stdout = &output
	cmd.Stderr = &output
	err := cmd.Run()
	return output.String(), err
}

// claim makes path belong to the account when this process switches user, so
// that PostgreSQL can write there. It changes nothing for a non-root process.
func (a account) claim(path string) error {
	if !a.asRoot {
		return nil
	}
	if err := os.Chown(path, a.uid, a.gids[0]); err != nil {
		return fmt.Errorf("change owner of %s to user %q: %w", path, a.name, err)
	}
	return nil
}

// checkReachable returns an error naming the first directory above dir that the
// account may not enter. Only a root process needs the check, because it
// created dir for another user.
//
// NOTE: the check reads mode bits only and ignores POSIX ACLs.
func (a account) checkReachable(dir string) error {
	if !a.asRoot {
		return nil
	}

	var ancestors []string
	for current := filepath.Dir(dir); ; current = filepath.Dir(current) {
		ancestors = append(ancestors, current)
		if current == filepath.Dir(current) {
			break
		}
	}

	for _, ancestor := range slices.Backward(ancestors) {
		info, err := os.Stat(ancestor)
		if err != nil {
			return fmt.Errorf("inspect data directory parent %s: %w", ancestor, err)
		}
		if !a.canSearch(info) {
			return fmt.Errorf("PostgreSQL runs as user %q because this process runs as root, "+
				"but that user cannot enter %s (mode %s), so it cannot reach the data directory %s. "+
				"Choose a data directory that user %q can reach, for example under /tmp or /var/lib",
				a.name, ancestor, info.Mode().Perm(), dir, a.name)
		}
	}
	return nil
}

// canSearch reports whether the account may enter the directory described by
// info, following the owner, group, other precedence of Unix permissions.
func (a account) canSearch(info fs.FileInfo) bool {
	stat, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return true
	}

	perm := info.Mode().Perm()
	switch {
	case int(stat.Uid) == a.uid:
		return perm&0o100 != 0
	case slices.Contains(a.gids, int(stat.Gid)):
		return perm&0o010 != 0
	default:
		return perm&0o001 != 0
	}
}
