/* SPDX-License-Identifier: BSD-3-Clause */
/* sockmap-accel: redirects local TCP between the processes of one cgroup with eBPF sockmap. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/json.h"
#include "common/log.h"
#include "sockmap/cgroup.h"
#include "sockmap/sockmap.h"

#define EXIT_USAGE 2
#define STATS_INTERVAL_DEFAULT_S 1.0
#define STATS_INTERVAL_MAX_S	 86400.0
#define IDLE_WAKE_NS		 200000000L	/* how often the loop looks at the stop flag */
#define ERR_LEN			 512
/* The instance's lock and state: who runs, which cgroup it made, whether it mounted cgroup2.
 * A killed instance leaves the file; the next one reads it and removes what it made. */
#define RUN_DIR		"/run/sockmap-accel"
#define LOCK_FILE	RUN_DIR "/lock"
#define PRIVATE_CG2	RUN_DIR "/cgroup2"

#ifndef SOCKMAP_BPF_OBJECT
#define SOCKMAP_BPF_OBJECT "lib/sockmap/sockmap.bpf.o"
#endif
#ifndef SOCKMAP_BUILD_DIR
#define SOCKMAP_BUILD_DIR "build"
#endif

struct options {
	const char *cgroup;
	const char *object;
	const char *stats_json;
	double stats_interval_s;
	bool quiet;
	bool verbose;
	bool cleanup;
};

/* What this instance made, so that every exit path (and the next start) can undo it. */
struct instance {
	int lock_fd;
	char cgroup[CG2_PATH_MAX];
	bool cg_created;
	bool cg2_mounted;
	bool keep_state;	/* something could not be removed: the next start retries */
	int cgroup_fd;
	struct sockmap_accel bpf;
	bool bpf_loaded;
	struct timespec t0;
	uint64_t seq;
	struct sockmap_counters ctr;
};

static volatile sig_atomic_t stop_requested;

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: sockmap-accel --cgroup DIR [options]\n"
		"       sockmap-accel --cleanup\n"
		"Redirect TCP between local sockets of the processes in cgroup DIR straight into\n"
		"the peer socket (eBPF sock_ops + sk_msg on a SOCKHASH), skipping TCP/IP.\n"
		"\n"
		"  --cgroup DIR         a cgroup v2 directory: made if missing (removed at exit);\n"
		"                       a bare NAME is made under the mounted cgroup2 hierarchy,\n"
		"                       which is mounted at %s when the host has none\n"
		"  --object FILE        the BPF object (default %s)\n"
		"  --stats-json FILE    write the counters as JSON, atomically, every\n"
		"                       --stats-interval seconds and at exit\n"
		"  --stats-interval S   seconds between rewrites (default 1)\n"
		"  --quiet              no informational lines (final counters still printed)\n"
		"  --verbose            libbpf's own messages too\n"
		"  --cleanup            only remove what a killed instance left (its cgroup, its\n"
		"                       cgroup2 mount) and exit; a start does the same first\n"
		"  -h, --help           this text\n"
		"\n"
		"Needs root. Put processes into DIR/cgroup.procs before they open their sockets.\n"
		"SIGINT/SIGTERM detach, remove what it made, print the counters, exit 0.\n",
		PRIVATE_CG2, SOCKMAP_BPF_OBJECT);
}

static int
parse_seconds(const char *opt, const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (*s == '\0' || *end != '\0' || errno != 0 || !(v > 0) || v > STATS_INTERVAL_MAX_S) {
		log_err("%s '%s': expected seconds, more than 0 and at most %.0f", opt, s,
			STATS_INTERVAL_MAX_S);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int
parse_args(int argc, char **argv, struct options *o)
{
	enum { OPT_CGROUP = 256, OPT_OBJECT, OPT_STATS_JSON, OPT_STATS_INTERVAL, OPT_QUIET,
	       OPT_VERBOSE, OPT_CLEANUP };
	static const struct option longopts[] = {
		{ "cgroup", required_argument, NULL, OPT_CGROUP },
		{ "object", required_argument, NULL, OPT_OBJECT },
		{ "stats-json", required_argument, NULL, OPT_STATS_JSON },
		{ "stats-interval", required_argument, NULL, OPT_STATS_INTERVAL },
		{ "quiet", no_argument, NULL, OPT_QUIET },
		{ "verbose", no_argument, NULL, OPT_VERBOSE },
		{ "cleanup", no_argument, NULL, OPT_CLEANUP },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->object = SOCKMAP_BPF_OBJECT;
	o->stats_interval_s = STATS_INTERVAL_DEFAULT_S;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_CGROUP:
			if (optarg[0] == '\0' || strlen(optarg) >= CG2_PATH_MAX - 64) {
				log_err("--cgroup '%s': expected a directory or a name", optarg);
				return -EINVAL;
			}
			o->cgroup = optarg;
			break;
		case OPT_OBJECT:
			o->object = optarg;
			break;
		case OPT_STATS_JSON:
			o->stats_json = optarg;
			break;
		case OPT_STATS_INTERVAL:
			if (parse_seconds("--stats-interval", optarg, &o->stats_interval_s) < 0)
				return -EINVAL;
			break;
		case OPT_QUIET:
			o->quiet = true;
			break;
		case OPT_VERBOSE:
			o->verbose = true;
			break;
		case OPT_CLEANUP:
			o->cleanup = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			log_err("unknown option or missing value: '%s' (see --help)",
				argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		log_err("unexpected argument '%s' (see --help)", argv[optind]);
		return -EINVAL;
	}
	if (o->cleanup && o->cgroup) {
		log_err("--cleanup takes no --cgroup: it removes what a killed instance recorded");
		return -EINVAL;
	}
	if (!o->cgroup && !o->cleanup) {
		log_err("--cgroup DIR is required: the cgroup whose processes get the shortcut");
		return -EINVAL;
	}
	return 0;
}

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static double
elapsed_s(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* ---- the instance lock and its state file -------------------------------------------- */

/* What an instance recorded in the state file (see instance_state_write). */
struct instance_state {
	long pid;
	char cgroup[CG2_PATH_MAX];
	int created;
	bool mounted;
};

static void
instance_state_read(FILE *f, struct instance_state *st)
{
	char line[CG2_PATH_MAX + 32];

	memset(st, 0, sizeof(*st));
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "pid ", 4) == 0)
			st->pid = strtol(line + 4, NULL, 10);
		else if (strncmp(line, "cgroup ", 7) == 0)
			snprintf(st->cgroup, sizeof(st->cgroup), "%s", line + 7);
		else if (strncmp(line, "created ", 8) == 0)
			st->created = atoi(line + 8);
		else if (strcmp(line, "mounted " PRIVATE_CG2) == 0)
			st->mounted = true;
	}
}

/* Undo what a killed predecessor made (its state file, read before we overwrite it). */
static void
instance_clean_stale(const struct instance_state *st)
{
	char err[ERR_LEN];
	int moved;

	if (st->created && st->cgroup[0] != '\0' && access(st->cgroup, F_OK) == 0) {
		if (cg2_remove(st->cgroup, &moved, err, sizeof(err)) < 0)
			log_warn("a killed sockmap-accel (pid %ld) left cgroup %s: %s", st->pid,
				 st->cgroup, err);
		else
			log_warn("removed cgroup %s, left by a killed sockmap-accel (pid %ld)%s",
				 st->cgroup, st->pid,
				 moved ? "; its processes were moved to the parent cgroup" : "");
	}
	if (st->mounted && cg2_is_dir(PRIVATE_CG2)) {
		if (umount2(PRIVATE_CG2, MNT_DETACH) == 0 && rmdir(PRIVATE_CG2) == 0)
			log_warn("unmounted %s, left by a killed sockmap-accel (pid %ld)",
				 PRIVATE_CG2, st->pid);
		else
			log_warn("cannot unmount %s, left by a killed sockmap-accel (pid %ld): %s",
				 PRIVATE_CG2, st->pid, strerror(errno));
	}
}

/* Take the lock; a live holder is named in err (-EBUSY). */
static int
instance_lock(struct instance *in, char *err, size_t errlen)
{
	struct instance_state st;
	struct stat a, b;
	FILE *f;
	int fd, rc;

	if (mkdir(RUN_DIR, 0755) < 0 && errno != EEXIST) {
		rc = -errno;
		snprintf(err, errlen, "mkdir %s: %s", RUN_DIR, strerror(-rc));
		return rc;
	}
	for (;;) {
		fd = open(LOCK_FILE, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0) {
			rc = -errno;
			snprintf(err, errlen, "open %s: %s", LOCK_FILE, strerror(-rc));
			return rc;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			rc = -errno;
			f = fdopen(fd, "r");
			if (f) {
				instance_state_read(f, &st);
				fclose(f);
			} else {
				close(fd);
			}
			if (rc != -EWOULDBLOCK) {
				snprintf(err, errlen, "flock %s: %s", LOCK_FILE, strerror(-rc));
				return rc;
			}
			snprintf(err, errlen, "another sockmap-accel is active (pid %ld, "
				 "cgroup %s; lock %s): stop it first (kill -TERM %ld)", st.pid,
				 st.cgroup[0] ? st.cgroup : "not made yet", LOCK_FILE, st.pid);
			return -EBUSY;
		}
		/* A holder that just ended may have unlinked the file: lock the one on disk. */
		if (fstat(fd, &a) == 0 && stat(LOCK_FILE, &b) == 0 && a.st_ino == b.st_ino &&
		    a.st_dev == b.st_dev)
			break;
		close(fd);
	}
	in->lock_fd = fd;
	f = fdopen(dup(fd), "r");
	if (f) {
		instance_state_read(f, &st);
		fclose(f);
		instance_clean_stale(&st);
	}
	return 0;
}

static void
instance_state_write(const struct instance *in)
{
	char buf[CG2_PATH_MAX + 128];
	int n;

	n = snprintf(buf, sizeof(buf), "pid %ld\ncgroup %s\ncreated %d\nmounted %s\n",
		     (long)getpid(), in->cgroup, in->cg_created ? 1 : 0,
		     in->cg2_mounted ? PRIVATE_CG2 : "-");
	if (ftruncate(in->lock_fd, 0) < 0 || pwrite(in->lock_fd, buf, (size_t)n, 0) != n)
		log_warn("cannot write %s: %s (a killed instance's cgroup may then stay)",
			 LOCK_FILE, strerror(errno));
}

static void
instance_unlock(struct instance *in)
{
	if (in->lock_fd < 0)
		return;
	if (!in->keep_state)
		unlink(LOCK_FILE);
	close(in->lock_fd);
	in->lock_fd = -1;
	rmdir(RUN_DIR);	/* only when empty: a private cgroup2 mount point is gone by now */
}

/* ---- the cgroup ------------------------------------------------------------------------ */

static int
instance_cgroup(struct instance *in, const char *arg, char *err, size_t errlen)
{
	char root[CG2_PATH_MAX];
	int rc;

	if (strchr(arg, '/')) {
		snprintf(in->cgroup, sizeof(in->cgroup), "%s", arg);
	} else {
		rc = cg2_root(PRIVATE_CG2, root, sizeof(root), &in->cg2_mounted, err, errlen);
		if (rc < 0)
			return rc;
		snprintf(in->cgroup, sizeof(in->cgroup), "%s/%s", root, arg);
	}
	/* A mount left by a killed instance is ours too: found above, unmounted at exit. */
	if (!in->cg2_mounted && strncmp(in->cgroup, PRIVATE_CG2 "/", strlen(PRIVATE_CG2) + 1) == 0)
		in->cg2_mounted = true;
	/* Recorded before mkdir: a SIGKILL right after it still leaves a note for the next one. */
	in->cg_created = access(in->cgroup, F_OK) < 0;
	instance_state_write(in);
	rc = cg2_make(in->cgroup, &in->cg_created, err, errlen);
	instance_state_write(in);
	if (rc < 0)
		return rc;
	in->cgroup_fd = open(in->cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (in->cgroup_fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "open cgroup %s: %s", in->cgroup, strerror(-rc));
		return rc;
	}
	return 0;
}

static void
instance_cgroup_release(struct instance *in)
{
	char err[ERR_LEN];
	int moved = 0;

	if (in->cgroup_fd >= 0) {
		close(in->cgroup_fd);
		in->cgroup_fd = -1;
	}
	if (in->cg_created) {
		if (cg2_remove(in->cgroup, &moved, err, sizeof(err)) < 0) {
			log_warn("%s; the next start (or sockmap-accel --cleanup) retries", err);
			in->keep_state = true;
		} else if (moved) {
			log_warn("moved %d process(es) still in %s to its parent cgroup", moved,
				 in->cgroup);
		}
	}
	if (in->cg2_mounted && !in->keep_state) {
		if (umount2(PRIVATE_CG2, MNT_DETACH) < 0) {
			log_warn("umount %s: %s", PRIVATE_CG2, strerror(errno));
			in->keep_state = true;
		} else {
			rmdir(PRIVATE_CG2);
		}
	}
}

/* ---- counters -------------------------------------------------------------------------- */

static void
stats_fill(struct json_writer *w, void *arg)
{
	const struct instance *in = arg;
	int k;

	json_object_begin(w, NULL);
	json_str(w, "program", "sockmap-accel");
	json_i64(w, "pid", (int64_t)getpid());
	json_str(w, "cgroup", in->cgroup);
	json_u64(w, "sockops_prog_id", in->bpf.sockops_prog_id);
	json_u64(w, "sk_msg_prog_id", in->bpf.msg_prog_id);
	json_u64(w, "seq", in->seq);
	json_double(w, "uptime_s", elapsed_s(&in->t0));
	for (k = 0; k < SOCKMAP_CTR_COUNT; k++)
		json_u64(w, sockmap_ctr_names[k], in->ctr.v[k]);
	json_object_end(w);
}

static void
stats_update(struct instance *in, const struct options *o)
{
	char err[ERR_LEN];

	if (sockmap_read(&in->bpf, &in->ctr, err, sizeof(err)) < 0) {
		log_warn("%s", err);
		return;
	}
	in->seq++;
	if (o->stats_json && json_write_file(o->stats_json, stats_fill, in, err, sizeof(err)) < 0)
		log_warn("%s", err);
}

static void
serve(struct instance *in, const struct options *o)
{
	struct timespec nap = { 0, IDLE_WAKE_NS };
	double next = o->stats_interval_s;

	if (o->stats_interval_s * 1e9 < IDLE_WAKE_NS)
		nap.tv_nsec = (long)(o->stats_interval_s * 1e9);
	while (!stop_requested) {
		nanosleep(&nap, NULL);
		if (elapsed_s(&in->t0) >= next) {
			stats_update(in, o);
			next += o->stats_interval_s;
		}
	}
}

int
main(int argc, char **argv)
{
	struct instance in = { .lock_fd = -1, .cgroup_fd = -1 };
	struct sigaction sa;
	struct options o;
	char err[ERR_LEN];
	int k, rc = 1;

	log_set_prog("sockmap-accel");
	if (parse_args(argc, argv, &o) < 0)
		return EXIT_USAGE;
	log_set_quiet(o.quiet);
	if (geteuid() != 0) {
		log_err("needs root: loading BPF programs and attaching them to a cgroup take "
			"CAP_BPF, CAP_NET_ADMIN and write access to cgroupfs; run it as root");
		return 1;
	}
	if (o.cleanup) {
		rc = instance_lock(&in, err, sizeof(err));
		if (rc < 0)
			log_err("%s", err);
		instance_unlock(&in);
		return rc < 0 ? 1 : 0;
	}
	if (access(o.object, R_OK) < 0) {
		log_err("BPF object %s: %s; build it with 'ninja -C %s lib/sockmap/sockmap.bpf.o' "
			"(needs clang), or give --object FILE", o.object, strerror(errno),
			SOCKMAP_BUILD_DIR);
		return 1;
	}
	sockmap_log_verbose(o.verbose);
	if (sockmap_probe(err, sizeof(err)) < 0) {
		log_err("%s", err);
		return 1;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGHUP, SIG_IGN);
	clock_gettime(CLOCK_MONOTONIC, &in.t0);

	if (instance_lock(&in, err, sizeof(err)) < 0) {
		log_err("%s", err);
		return 1;
	}
	if (instance_cgroup(&in, o.cgroup, err, sizeof(err)) < 0) {
		log_err("%s", err);
		goto out_cgroup;
	}
	if (sockmap_load(&in.bpf, o.object, err, sizeof(err)) < 0) {
		log_err("%s", err);
		goto out_cgroup;
	}
	in.bpf_loaded = true;
	if (sockmap_attach(&in.bpf, in.cgroup_fd, err, sizeof(err)) < 0) {
		log_err("%s", err);
		goto out_bpf;
	}
	stats_update(&in, &o);
	log_info("ready: cgroup %s (sock_ops prog %u, sk_msg prog %u); local TCP of the "
		 "processes in %s/cgroup.procs is redirected", in.cgroup, in.bpf.sockops_prog_id,
		 in.bpf.msg_prog_id, in.cgroup);
	if (!stop_requested)
		serve(&in, &o);
	stats_update(&in, &o);
	printf("sockmap-accel:");
	for (k = 0; k < SOCKMAP_CTR_COUNT; k++)
		printf(" %s %llu", sockmap_ctr_names[k], (unsigned long long)in.ctr.v[k]);
	printf("\n");
	fflush(stdout);
	rc = 0;

out_bpf:
	sockmap_close(&in.bpf);
out_cgroup:
	instance_cgroup_release(&in);
	instance_unlock(&in);
	return rc;
}
