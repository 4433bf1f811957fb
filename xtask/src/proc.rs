//! Child processes, and making sure none of them outlives xtask.
//!
//! - [`run`] / [`run_teed`]: run a command to completion; `run_teed` streams its output to ours
//!   and to a log file and hands stdout back for parsing.
//! - [`spawn_owned`]: start a long-lived process (a test server) in its own process group, with
//!   `PR_SET_PDEATHSIG` so the kernel kills it if xtask itself is killed with SIGKILL, and register
//!   the group so SIGINT/SIGTERM/SIGHUP handling ([`install_signal_cleanup`]) can stop it.
//! - [`terminate_group`]: stop exactly one process group we started: SIGTERM, a grace period, then
//!   SIGKILL. Never by name, never anything we did not start.
//!
//! It does not know what the commands are; setup, test and servers decide that.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::error::Error;

/// A process group xtask started and must stop, plus the private directory to remove with it.
struct Owned {
    pgid: i32,
    dir: Option<PathBuf>,
}

/// Everything still running that xtask started. The signal thread drains it on Ctrl-C.
static OWNED: Mutex<Vec<Owned>> = Mutex::new(Vec::new());

/// Write end of the self-pipe the signal handler writes the signal number into.
static SIGNAL_PIPE: AtomicI32 = AtomicI32::new(-1);

/// Human-readable form of a command for messages: program and arguments.
pub fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        s.push(' ');
        s.push_str(&arg.to_string_lossy());
    }
    s
}

/// Ask the kernel to send `signal` to the child when xtask dies, so children never outlive a
/// `kill -9` of xtask. Must be set from the thread that lives as long as xtask (the main thread),
/// because the kernel ties it to the spawning thread.
fn die_with_parent(cmd: &mut Command, signal: libc::c_int) {
    let parent = std::process::id();
    // SAFETY: the closure only calls async-signal-safe functions (prctl, getppid, _exit).
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, signal as libc::c_ulong, 0, 0, 0) != 0 {
                return Err(io::Error::last_os_error());
            }
            // xtask may have died between fork and prctl: then nobody would stop this child.
            if libc::getppid() as u32 != parent {
                libc::_exit(1);
            }
            Ok(())
        });
    }
}

/// Run a command with inherited stdio; error unless it exits 0.
pub fn run(cmd: &mut Command) -> Result<(), Error> {
    let status = status(cmd)?;
    if status.success() {
        Ok(())
    } else {
        Err(Error::Command {
            command: describe(cmd),
            status: status.to_string(),
        })
    }
}

/// Like [`run`], for long-running foreground processes (a dev server) that must not outlive
/// xtask even when it is killed with SIGKILL. Installs (apt-get, cargo install) use [`run`]:
/// interrupting dpkg halfway would leave the machine worse off than letting it finish.
pub fn run_tied(cmd: &mut Command) -> Result<(), Error> {
    die_with_parent(cmd, libc::SIGTERM);
    run(cmd)
}

/// Run a command with inherited stdio and return its exit status (for callers that decide).
fn status(cmd: &mut Command) -> Result<ExitStatus, Error> {
    cmd.status().map_err(|source| Error::Spawn {
        program: cmd.get_program().to_string_lossy().into_owned(),
        source,
    })
}

/// Run a command and capture its stdout (trimmed); `None` if it cannot start or fails.
/// Used for version checks, where "not there" is an answer, not an error.
pub fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    Some(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Run a command to completion, streaming stdout and stderr to ours and appending both to `log`.
/// Returns the exit status and the whole stdout (libtest prints its summaries there).
pub fn run_teed(cmd: &mut Command, log: File) -> Result<(ExitStatus, String), Error> {
    die_with_parent(cmd, libc::SIGTERM);
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| Error::Spawn {
            program: cmd.get_program().to_string_lossy().into_owned(),
            source,
        })?;
    let log = Arc::new(Mutex::new(log));
    let out = tee(child.stdout.take(), Arc::clone(&log), false);
    let err = tee(child.stderr.take(), Arc::clone(&log), true);
    let status = child.wait().map_err(|source| Error::Spawn {
        program: describe(cmd),
        source,
    })?;
    let stdout = out.join().unwrap_or_default();
    let _ = err.join();
    Ok((status, stdout))
}

/// Copy a child's pipe line by line to our stdout/stderr and the log; collect it as a string.
fn tee<R: io::Read + Send + 'static>(
    pipe: Option<R>,
    log: Arc<Mutex<File>>,
    to_stderr: bool,
) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut collected = String::new();
        let Some(pipe) = pipe else {
            return collected;
        };
        let mut reader = BufReader::new(pipe);
        let mut line = Vec::new();
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            // Output is best effort: a closed terminal must not stop the test run.
            if to_stderr {
                let _ = io::stderr().write_all(&line);
            } else {
                let _ = io::stdout().write_all(&line);
                collected.push_str(&String::from_utf8_lossy(&line));
            }
            if let Ok(mut f) = log.lock() {
                let _ = f.write_all(&line);
            }
        }
        collected
    })
}

/// Start a long-lived process in a new process group that xtask owns: it dies with xtask (even on
/// SIGKILL), and [`terminate_group`] or the signal thread stops it and everything it spawned.
/// `dir` is removed when the signal thread cleans up (the normal path removes it itself).
pub fn spawn_owned(cmd: &mut Command, dir: Option<PathBuf>) -> Result<Child, Error> {
    die_with_parent(cmd, libc::SIGKILL);
    cmd.process_group(0);
    // Hold the registry lock across spawn: a signal arriving now waits for the registration
    // instead of missing the new group.
    let mut owned = OWNED.lock().unwrap_or_else(|e| e.into_inner());
    let child = cmd.spawn().map_err(|source| Error::Spawn {
        program: cmd.get_program().to_string_lossy().into_owned(),
        source,
    })?;
    owned.push(Owned {
        pgid: child.id() as i32,
        dir,
    });
    Ok(child)
}

/// Forget a group (it is being stopped by its owner).
fn unregister(pgid: i32) {
    let mut owned = OWNED.lock().unwrap_or_else(|e| e.into_inner());
    owned.retain(|o| o.pgid != pgid);
}

/// Has the group leader (our direct child) exited? Reaps it if so.
pub fn leader_exited(pgid: i32) -> Option<String> {
    let mut status = 0;
    // SAFETY: plain syscall on our own child's pid.
    let r = unsafe { libc::waitpid(pgid, &mut status, libc::WNOHANG) };
    if r == pgid {
        if libc::WIFEXITED(status) {
            Some(format!("exited with status {}", libc::WEXITSTATUS(status)))
        } else if libc::WIFSIGNALED(status) {
            Some(format!("killed by signal {}", libc::WTERMSIG(status)))
        } else {
            Some("stopped".to_owned())
        }
    } else if r == -1 {
        Some("already reaped".to_owned())
    } else {
        None
    }
}

/// Is any process of the group still there (zombies of reparented grandchildren count)?
fn group_alive(pgid: i32) -> bool {
    // SAFETY: signal 0 only checks for existence.
    unsafe { libc::kill(-pgid, 0) == 0 }
}

/// Stop one process group that xtask started: SIGTERM to the group, wait up to `grace` for the
/// leader and the rest, then SIGKILL whatever is left. Safe to call twice.
pub fn terminate_group(pgid: i32, grace: Duration) {
    unregister(pgid);
    if pgid <= 1 {
        return; // never signal "every process" or init
    }
    // Some helpers leave the group (Erlang's erl_child_setup calls setsid). They exit when the
    // leader does, but remember them (pid + start time) to make sure.
    let descendants = descendants_of(pgid);
    // SAFETY: signalling only the group we created (negative pid = process group).
    unsafe { libc::kill(-pgid, libc::SIGTERM) };
    let deadline = Instant::now() + grace;
    let mut leader_gone = false;
    while Instant::now() < deadline {
        leader_gone = leader_gone || leader_exited(pgid).is_some();
        if leader_gone && !group_alive(pgid) {
            kill_leftovers(&descendants);
            return;
        }
        thread::sleep(Duration::from_millis(50));
    }
    // SAFETY: as above.
    unsafe { libc::kill(-pgid, libc::SIGKILL) };
    if !leader_gone {
        let mut status = 0;
        // SAFETY: blocking wait for our own child, which was just sent SIGKILL.
        unsafe { libc::waitpid(pgid, &mut status, 0) };
    }
    kill_leftovers(&descendants);
}

/// After the leader is gone: SIGKILL any remembered descendant that is still the same process.
fn kill_leftovers(descendants: &[(i32, u64)]) {
    for &(pid, start) in descendants {
        if proc_stat(pid).is_some_and(|(_, s)| s == start) {
            // SAFETY: same pid and start time as the descendant we recorded: it is ours.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    }
}

/// (ppid, start time) of a process from /proc/PID/stat.
fn proc_stat(pid: i32) -> Option<(i32, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may contain spaces and parentheses: fields start after the last ')'.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ppid = fields.get(1)?.parse().ok()?;
    let start = fields.get(19)?.parse().ok()?;
    Some((ppid, start))
}

/// Every process below `root` in the process tree, as (pid, start time).
fn descendants_of(root: i32) -> Vec<(i32, u64)> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let table: Vec<(i32, i32, u64)> = entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(|pid| proc_stat(pid).map(|(ppid, start)| (pid, ppid, start)))
        .collect();
    let mut found: Vec<(i32, u64)> = Vec::new();
    let mut frontier = vec![root];
    while let Some(parent) = frontier.pop() {
        for &(pid, ppid, start) in &table {
            if ppid == parent && !found.iter().any(|&(p, _)| p == pid) {
                found.push((pid, start));
                frontier.push(pid);
            }
        }
    }
    found
}

extern "C" fn on_signal(signal: libc::c_int) {
    let fd = SIGNAL_PIPE.load(Ordering::Relaxed);
    let byte = signal as u8;
    // SAFETY: write(2) is async-signal-safe; the result is irrelevant in a handler.
    unsafe { libc::write(fd, &byte as *const u8 as *const libc::c_void, 1) };
}

/// On SIGINT, SIGTERM or SIGHUP: stop every process group xtask started, remove their private
/// directories, and exit with 128 + signal. Runs the cleanup on a thread of its own (a signal
/// handler may do almost nothing), woken through a self-pipe.
pub fn install_signal_cleanup() {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: fds is a valid array of two ints.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        eprintln!(
            "xtask: warning: no signal cleanup: {}",
            io::Error::last_os_error()
        );
        return;
    }
    SIGNAL_PIPE.store(fds[1], Ordering::Relaxed);
    let read_fd = fds[0];
    thread::spawn(move || {
        let signal = loop {
            let mut byte = 0u8;
            // SAFETY: reading one byte into a valid buffer.
            let n = unsafe { libc::read(read_fd, &mut byte as *mut u8 as *mut libc::c_void, 1) };
            if n == 1 {
                break byte as i32;
            }
            if n < 0 && io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return;
        };
        eprintln!("\nxtask: signal {signal}: stopping the processes xtask started");
        let owned = std::mem::take(&mut *OWNED.lock().unwrap_or_else(|e| e.into_inner()));
        for o in owned {
            terminate_group(o.pgid, Duration::from_secs(5));
            if let Some(dir) = o.dir {
                let _ = std::fs::remove_dir_all(dir);
            }
        }
        std::process::exit(128 + signal);
    });
    for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: installing a handler that only writes to a pipe.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as *const () as libc::sighandler_t;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, std::ptr::null_mut());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// Running and not a zombie waiting for a parent that is not us.
    fn running(pid: i32) -> bool {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|s| s.rsplit_once(')').map(|(_, r)| r.trim_start().to_owned()))
            .is_some_and(|rest| !rest.starts_with('Z') && !rest.starts_with('X'))
    }

    #[test]
    // terminate_group reaps the leader with waitpid; std's Child never learns of it.
    #[allow(clippy::zombie_processes)]
    fn terminate_group_stops_the_leader_its_group_and_descendants_that_left_it() {
        // A leader with one child in its group and one that moved to a new session (as Erlang's
        // erl_child_setup does); the leader ignores SIGTERM, so SIGKILL after the grace is tested.
        let mut cmd = Command::new("sh");
        cmd.args([
            "-c",
            "trap '' TERM; sleep 30 & echo $!; setsid sleep 31 & echo $!; wait",
        ])
        .stdout(Stdio::piped());
        let mut child = spawn_owned(&mut cmd, None).expect("sh starts");
        let mut out = child.stdout.take().expect("piped stdout");
        let mut text = String::new();
        let mut buf = [0u8; 64];
        while text.lines().count() < 2 {
            let n = out.read(&mut buf).expect("read pids");
            assert!(n > 0, "sh exited early: {text:?}");
            text.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
        let pids: Vec<i32> = text
            .lines()
            .map(|l| l.trim().parse().expect("pid"))
            .collect();
        let leader = child.id() as i32;
        assert!(running(leader) && running(pids[0]) && running(pids[1]));

        let started = Instant::now();
        terminate_group(leader, Duration::from_millis(500));
        assert!(started.elapsed() < Duration::from_secs(5));
        // Give the kernel a moment to deliver SIGKILL to the session-leaving sleep.
        thread::sleep(Duration::from_millis(100));
        for pid in [leader, pids[0], pids[1]] {
            assert!(!running(pid), "pid {pid} survived terminate_group");
        }
        assert!(OWNED
            .lock()
            .expect("registry")
            .iter()
            .all(|o| o.pgid != leader));
    }

    #[test]
    fn run_teed_returns_stdout_and_writes_the_log() {
        let dir = std::env::temp_dir().join(format!("xtask-proc-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let log_path = dir.join("out.log");
        let log = File::create(&log_path).expect("log file");
        let (status, stdout) = run_teed(
            Command::new("sh").args(["-c", "echo out; echo err >&2; exit 3"]),
            log,
        )
        .expect("sh runs");
        assert_eq!(status.code(), Some(3));
        assert_eq!(stdout, "out\n");
        let logged = std::fs::read_to_string(&log_path).expect("log");
        assert!(
            logged.contains("out\n") && logged.contains("err\n"),
            "{logged:?}"
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}
