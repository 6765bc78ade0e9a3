package store

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// Group commit of call reports on PostgreSQL. The reports of one account
// serialise on its balance row, each holding it until its commit has been
// flushed to disk. So, within a process, reports of one account that arrive
// while another's pipeline runs wait for it, and then go together: one
// pipeline, one transaction, one flush for all of them (their CTEs one after
// the other, then one guard over all their workspaces). Nothing is shared but
// the commit: each report has its own CTE and its own answer.
//
// When the group's transaction fails (an alert is due for one of them, or a
// statement failed), nothing of it is kept and each report runs alone
// (runAlone), which gives each its own answer and, for an alert, its staged
// run. The group's guard may also fail where no report alone has an alert due
// (see alertDueGroup): those reports just run alone.

// maxGroup bounds a group: a longer pipeline holds the locks longer.
const maxGroup = 32

// errGroupFailed tells a report that its group's transaction failed.
var errGroupFailed = errors.New("store: the group of call reports failed")

// pgReportJob is one report's pipeline work.
type pgReportJob struct {
	q       string
	args    []any
	w       *wsRow
	seconds int64
	// Set by whoever ran the job:
	inserted int64
	err      error
	// wake says the job was run (false) or that its goroutine now leads (true).
	wake chan bool
}

func (j *pgReportJob) scan(row pgx.Row) error {
	var budget, used, agencyBudget, agencyUsed sql.NullInt64
	var name, agencyName sql.NullString
	return debitErr(row.Scan(&j.inserted, &budget, &used, &name, &agencyBudget, &agencyUsed, &agencyName))
}

type groupKey struct {
	s       *Store
	account string
}

type groupQueue struct {
	jobs []*pgReportJob
}

var groups struct {
	mu     sync.Mutex
	queues map[groupKey]*groupQueue
}

// runGrouped runs job, alone or with the other reports of its account that are
// waiting, and returns when it has run (job.inserted, job.err).
func (s *Store) runGrouped(ctx context.Context, job *pgReportJob) {
	k := groupKey{s, job.w.AccountID}
	groups.mu.Lock()
	if groups.queues == nil {
		groups.queues = map[groupKey]*groupQueue{}
	}
	q, running := groups.queues[k]
	if !running {
		// No pipeline of this account runs here: lead.
		q = &groupQueue{}
		groups.queues[k] = q
	}
	q.jobs = append(q.jobs, job)
	groups.mu.Unlock()
	if running && !<-job.wake {
		return // run by a leader
	}
	// Lead: run what is waiting (this job first among them), then hand the lead
	// to the first report that came meanwhile, or close the queue.
	groups.mu.Lock()
	n := min(len(q.jobs), maxGroup)
	batch := q.jobs[:n:n]
	q.jobs = q.jobs[n:]
	groups.mu.Unlock()
	s.runPGGroup(ctx, batch)
	groups.mu.Lock()
	if len(q.jobs) > 0 {
		q.jobs[0].wake <- true
	} else {
		delete(groups.queues, k)
	}
	groups.mu.Unlock()
	for _, j := range batch {
		if j != job {
			j.wake <- false
		}
	}
}

// runPGGroup runs the jobs in one pipeline and one transaction.
func (s *Store) runPGGroup(ctx context.Context, batch []*pgReportJob) {
	if len(batch) == 1 {
		s.runAlone(ctx, batch[0])
		return
	}
	var ws []*wsRow
	guard := false
	for _, j := range batch {
		if j.seconds > 0 {
			ws = append(ws, j.w)
			guard = true
		}
	}
	// The group's work is not one request's: a leader whose caller goes away does
	// not fail the others' reports (nor commit them unbeknownst to them).
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	err := s.pipeline(ctx, func(pc *pgx.Conn) error {
		b := &pgx.Batch{}
		b.Queue(genericPlans)
		for _, j := range batch {
			b.Queue(j.q, j.args...)
		}
		if guard {
			gq, gargs := s.alertDue(ws, true, true)
			b.Queue(gq, gargs...)
		}
		br := pc.SendBatch(ctx, b)
		_, err := br.Exec()
		for _, j := range batch {
			if err != nil {
				break
			}
			err = j.scan(br.QueryRow())
		}
		if err == nil && guard {
			var one int64
			err = br.QueryRow().Scan(&one)
		}
		return errors.Join(err, br.Close())
	})
	for _, j := range batch {
		if err != nil {
			j.inserted, j.err = 0, errGroupFailed
		}
	}
}
