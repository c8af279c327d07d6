use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use proptest::prelude::*;

use super::*;

/// A sample taken at true time `true_sent`, with the server lying by `server_offset`,
/// `up` ms to reach the server and `down` ms back, read by a local clock that is
/// `local_error` ms off (local = true + local_error).
fn sample(true_sent: u64, local_error: i64, server_offset: i64, up: u64, down: u64) -> Sample {
    let local = |t: u64| t.checked_add_signed(local_error).unwrap();
    let at_server = true_sent + up;
    Sample {
        sent_ms: local(true_sent),
        server_ms: at_server.checked_add_signed(server_offset).unwrap(),
        received_ms: local(at_server + down),
        server_resolution_ms: 1,
    }
}

const T: u64 = 1_750_000_000_000;

#[test]
fn symmetric_delay_gives_the_exact_offset() {
    for (local_error, up) in [(0, 50), (-12_345, 50), (90_000, 200), (7, 0)] {
        let est = estimate(&[sample(T, local_error, 0, up, up)]).unwrap();
        assert_eq!(
            est.offset_ms, -local_error,
            "local_error {local_error}, delay {up}"
        );
        assert_eq!(est.round_trip_ms, 2 * up);
        // Half the round trip, plus the rounding of a 1 ms resolution.
        assert_eq!(
            est.uncertainty_ms,
            up + 1,
            "local_error {local_error}, delay {up}"
        );
        assert_eq!(est.samples, 1);
    }
}

#[test]
fn asymmetric_delay_keeps_the_true_offset_within_the_uncertainty() {
    for (local_error, up, down) in [
        (0, 0, 300),
        (0, 300, 0),
        (-4_000, 10, 190),
        (61_000, 250, 5),
    ] {
        let est = estimate(&[sample(T, local_error, 0, up, down)]).unwrap();
        let truth = -local_error;
        let error = (est.offset_ms - truth).unsigned_abs();
        assert!(
            error <= est.uncertainty_ms,
            "local_error {local_error}, up {up}, down {down}: {est:?}"
        );
        assert_eq!(est.round_trip_ms, up + down);
    }
}

#[test]
fn the_sample_with_the_shortest_round_trip_wins() {
    let samples = [
        sample(T, -3_000, 0, 400, 20),
        sample(T + 1_000, -3_000, 0, 15, 15),
        sample(T + 2_000, -3_000, 0, 90, 10),
        sample(T + 3_000, -3_000, 0, 15, 15),
    ];
    let est = estimate(&samples).unwrap();
    assert_eq!(est.round_trip_ms, 30);
    assert_eq!(est.offset_ms, 3_000);
    assert_eq!(est.uncertainty_ms, 16);
    assert_eq!(est.samples, 4);
}

#[test]
fn a_date_header_is_read_as_the_middle_of_its_second() {
    // The server's true time is 1234.567 s after T; the Date header says T + 1234 s.
    let true_server = T + 1_234_567;
    let sample = Sample {
        sent_ms: true_server - 20,
        server_ms: T + 1_234_000,
        received_ms: true_server + 20,
        server_resolution_ms: 1_000,
    };
    let est = estimate(&[sample]).unwrap();
    // Midpoint T + 1234.5 s minus local midpoint T + 1234.567 s.
    assert_eq!(est.offset_ms, -67);
    assert_eq!(est.uncertainty_ms, 520);
    assert!(est.offset_ms.unsigned_abs() <= est.uncertainty_ms);
}

#[test]
fn date_header_truth_is_always_within_the_uncertainty() {
    for millis in [0, 1, 499, 500, 999] {
        for local_error in [-2_000, 0, 1_500] {
            let true_server = T + 60_000 + millis;
            let sample = Sample {
                sent_ms: (true_server - 30).checked_add_signed(local_error).unwrap(),
                server_ms: true_server - millis,
                received_ms: (true_server + 30).checked_add_signed(local_error).unwrap(),
                server_resolution_ms: 1_000,
            };
            let est = estimate(&[sample]).unwrap();
            let error = (est.offset_ms + local_error).unsigned_abs();
            assert!(
                error <= est.uncertainty_ms,
                "millis {millis}, local_error {local_error}: {est:?}"
            );
            assert_eq!(est.uncertainty_ms, 530, "millis {millis}");
        }
    }
}

#[test]
fn received_before_sent_is_rejected() {
    let bad = Sample {
        sent_ms: 1_000,
        server_ms: 5_000,
        received_ms: 999,
        server_resolution_ms: 1,
    };
    let good = sample(T, 0, 0, 10, 10);
    assert!(matches!(estimate(&[bad]), Err(ClockError::BadSample(_))));
    assert!(matches!(
        estimate(&[good, bad]),
        Err(ClockError::BadSample(_))
    ));
}

#[test]
fn no_samples_is_an_error() {
    assert_eq!(estimate(&[]), Err(ClockError::NoSamples));
}

#[test]
fn extreme_values_saturate_instead_of_overflowing() {
    let far_future = Sample {
        sent_ms: 0,
        server_ms: u64::MAX,
        received_ms: 0,
        server_resolution_ms: 0,
    };
    assert_eq!(estimate(&[far_future]).unwrap().offset_ms, i64::MAX);
    let far_past = Sample {
        sent_ms: u64::MAX,
        server_ms: 0,
        received_ms: u64::MAX,
        server_resolution_ms: 0,
    };
    assert_eq!(estimate(&[far_past]).unwrap().offset_ms, i64::MIN);
}

#[test]
fn verdict_table() {
    let est = |offset_ms: i64, uncertainty_ms: u64| ClockEstimate {
        offset_ms,
        uncertainty_ms,
        round_trip_ms: uncertainty_ms.saturating_mul(2),
        samples: 3,
    };
    let thirty = Step::THIRTY_SECONDS;
    let sixty = Step::SIXTY_SECONDS;
    let table = [
        (0, 0, thirty, ClockVerdict::Fine),
        (4_900, 100, thirty, ClockVerdict::Fine),
        (-4_900, 100, thirty, ClockVerdict::Fine),
        (4_900, 101, thirty, ClockVerdict::Warn),
        (-4_500, 520, thirty, ClockVerdict::Warn),
        (0, 5_001, thirty, ClockVerdict::Warn),
        (12_000, 50, thirty, ClockVerdict::Warn),
        (30_000, 0, thirty, ClockVerdict::Warn),
        (30_001, 0, thirty, ClockVerdict::CodesWrong),
        (-30_001, 0, thirty, ClockVerdict::CodesWrong),
        (30_600, 600, thirty, ClockVerdict::Warn),
        (30_600, 599, thirty, ClockVerdict::CodesWrong),
        (45_000, 50, thirty, ClockVerdict::CodesWrong),
        (45_000, 50, sixty, ClockVerdict::Warn),
        (-59_000, 1_000, sixty, ClockVerdict::Warn),
        (60_001, 0, sixty, ClockVerdict::CodesWrong),
        (-90_000, 40, sixty, ClockVerdict::CodesWrong),
        (i64::MIN, 0, sixty, ClockVerdict::CodesWrong),
        (i64::MAX, u64::MAX, sixty, ClockVerdict::Warn),
    ];
    for (offset, uncertainty, step, want) in table {
        assert_eq!(
            verdict(&est(offset, uncertainty), step),
            want,
            "offset {offset} ms ± {uncertainty} ms, step {} s",
            step.as_secs()
        );
    }
}

#[test]
fn the_correction_bound_table() {
    let est = |offset_ms: i64, uncertainty_ms: u64| ClockEstimate {
        offset_ms,
        uncertainty_ms,
        round_trip_ms: uncertainty_ms.saturating_mul(2),
        samples: 4,
    };
    let thirty = Step::THIRTY_SECONDS;
    let ten = Step::from_secs(10).unwrap();
    let one = Step::from_secs(1).unwrap();
    let day = MAX_CORRECTION_MS as i64;
    let five_min = FORCE_CORRECTION_ABOVE_MS as i64;
    let too_large = |offset_ms| {
        Err(CorrectionError::TooLarge {
            offset_ms,
            limit_ms: MAX_CORRECTION_MS,
        })
    };
    let needs_force = |offset_ms| {
        Err(CorrectionError::NeedsForce {
            offset_ms,
            limit_ms: FORCE_CORRECTION_ABOVE_MS,
        })
    };
    let uncertain = |uncertainty_ms, limit_ms, step_s| {
        Err(CorrectionError::TooUncertain {
            uncertainty_ms,
            limit_ms,
            step_s,
        })
    };
    let table: Vec<(ClockEstimate, Step, bool, Result<i64, CorrectionError>)> = vec![
        (est(40_000, 20), thirty, false, Ok(40_000)),
        (est(-40_000, 20), thirty, false, Ok(-40_000)),
        (est(five_min, 20), thirty, false, Ok(five_min)),
        (
            est(-five_min - 1, 20),
            thirty,
            false,
            needs_force(-five_min - 1),
        ),
        (est(-five_min - 1, 20), thirty, true, Ok(-five_min - 1)),
        (est(day, 20), thirty, true, Ok(day)),
        (est(-day, 20), thirty, true, Ok(-day)),
        (est(day + 1, 20), thirty, true, too_large(day + 1)),
        (est(-day - 1, 20), thirty, true, too_large(-day - 1)),
        // The attacks of issue 8: `{"unix_ms":18446744073709551615}` …
        (est(i64::MAX, 1), thirty, true, too_large(i64::MAX)),
        (est(i64::MIN, 1), thirty, true, too_large(i64::MIN)),
        // … a `Date` header in the year 9999 …
        (
            est(251_606_332_416_000, 520),
            thirty,
            true,
            too_large(251_606_332_416_000),
        ),
        // … and +606 s ± 6 s from 12 s round trips: too uncertain even forced.
        (
            est(606_000, 6_000),
            thirty,
            true,
            uncertain(6_000, 5_000, 30),
        ),
        (
            est(606_000, 6_000),
            thirty,
            false,
            uncertain(6_000, 5_000, 30),
        ),
        (est(606_000, 500), thirty, false, needs_force(606_000)),
        (est(606_000, 500), thirty, true, Ok(606_000)),
        // The uncertainty limit: a quarter step, at most 5 s.
        (est(40_000, 5_000), thirty, false, Ok(40_000)),
        (
            est(40_000, 5_001),
            thirty,
            false,
            uncertain(5_001, 5_000, 30),
        ),
        (est(40_000, 2_500), ten, false, Ok(40_000)),
        (est(40_000, 2_501), ten, false, uncertain(2_501, 2_500, 10)),
        // A Date header (±500 ms at best) cannot correct 1 s codes.
        (est(3_000, 520), one, false, uncertain(520, 250, 1)),
        (est(0, 0), one, false, Ok(0)),
    ];
    for (estimate, step, force, want) in table {
        assert_eq!(
            bound_correction(&estimate, step, force),
            want,
            "{estimate:?}, step {} s, force {force}",
            step.as_secs()
        );
    }
    assert_eq!(check_correction_size(day, true), Ok(()));
    assert_eq!(
        check_correction_size(day + 1, true),
        too_large(day + 1).map(|_: i64| ())
    );
    assert_eq!(
        check_correction_size(-five_min - 1, false),
        needs_force(-five_min - 1).map(|_: i64| ())
    );
}

#[test]
fn an_estimate_from_an_absurd_answer_is_refused_as_a_correction() {
    // What `{"unix_ms":18446744073709551615}` gives after a 40 ms round trip.
    let sample = Sample {
        sent_ms: T,
        server_ms: u64::MAX,
        received_ms: T + 40,
        server_resolution_ms: 1,
    };
    let est = estimate(&[sample]).unwrap();
    assert_eq!(est.offset_ms, i64::MAX);
    let refused = bound_correction(&est, Step::THIRTY_SECONDS, true).unwrap_err();
    assert!(matches!(refused, CorrectionError::TooLarge { .. }));
    let message = refused.to_string();
    assert!(message.contains("24 h"), "{message}");
}

#[test]
fn verdict_serializes_in_snake_case() {
    let json = serde_json::to_string(&[
        ClockVerdict::Fine,
        ClockVerdict::Warn,
        ClockVerdict::CodesWrong,
    ])
    .unwrap();
    assert_eq!(json, r#"["fine","warn","codes_wrong"]"#);
}

#[test]
fn system_clock_is_after_2020() {
    assert!(SystemClock.now_ms() > 1_577_836_800_000);
}

/// True time and the device's clock (the shared [`ManualClock`]), which is
/// `local_error_ms` off: device = true + error.
struct Timeline {
    device: ManualClock,
    local_error_ms: i64,
}

impl Timeline {
    fn new(local_error_ms: i64) -> Self {
        Self {
            device: ManualClock::new(T.checked_add_signed(local_error_ms).unwrap()),
            local_error_ms,
        }
    }

    fn advance(&self, ms: u64) {
        self.device.advance(ms);
    }

    /// The true time.
    fn now(&self) -> u64 {
        self.device
            .now_ms()
            .checked_add_signed(-self.local_error_ms)
            .unwrap()
    }
}

#[test]
fn the_manual_clock_moves_only_when_told() {
    let clock = ManualClock::new(5);
    assert_eq!(clock.now_ms(), 5);
    clock.advance(10);
    assert_eq!(clock.now_ms(), 15);
    clock.set(3);
    assert_eq!(clock.now_ms(), 3);
    clock.advance(u64::MAX);
    assert_eq!(clock.now_ms(), u64::MAX, "saturates instead of wrapping");
}

/// A failed round trip: a transport error when there is a transport.
fn failure(what: &str) -> ClockError {
    #[cfg(feature = "client")]
    return crate::https::TransportError::Network(what.to_owned()).into();
    #[cfg(not(feature = "client"))]
    return ClockError::BadSample(what.to_owned());
}

/// One scripted round trip: delays there and back, or a failure.
type RoundTrip = Result<(u64, u64), ClockError>;

/// A fake server on the timeline that lies by `lie_ms` and follows a script of round trips.
struct ScriptedSource<'a> {
    timeline: &'a Timeline,
    lie_ms: i64,
    resolution_ms: u64,
    script: Mutex<VecDeque<RoundTrip>>,
    calls: AtomicU64,
}

impl<'a> ScriptedSource<'a> {
    fn new(timeline: &'a Timeline, lie_ms: i64, script: Vec<RoundTrip>) -> Self {
        Self {
            timeline,
            lie_ms,
            resolution_ms: 1,
            script: Mutex::new(script.into()),
            calls: AtomicU64::new(0),
        }
    }
}

impl TimeSource for ScriptedSource<'_> {
    async fn sample(&self, clock: &dyn WallClock) -> Result<Sample, ClockError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let step = self
            .script
            .lock()
            .unwrap()
            .pop_front()
            .expect("script ran out");
        let sent_ms = clock.now_ms();
        let (up, down) = match step {
            Ok(delays) => delays,
            Err(error) => {
                self.timeline.advance(100);
                return Err(error);
            }
        };
        self.timeline.advance(up);
        let server_true = self.timeline.now().checked_add_signed(self.lie_ms).unwrap();
        let server_ms = server_true - server_true % self.resolution_ms;
        self.timeline.advance(down);
        Ok(Sample {
            sent_ms,
            server_ms,
            received_ms: clock.now_ms(),
            server_resolution_ms: self.resolution_ms,
        })
    }
}

#[tokio::test]
async fn check_finds_a_lying_server_within_the_uncertainty() {
    for (local_error, lie) in [(0, 90_000), (0, -7_300), (2_500, 0), (-45_000, 1_000)] {
        let timeline = Timeline::new(local_error);
        let source = ScriptedSource::new(
            &timeline,
            lie,
            vec![Ok((120, 80)), Ok((10, 30)), Ok((300, 300)), Ok((25, 25))],
        );
        let est = check(&source, &timeline.device, 4).await.unwrap();
        let truth = lie - local_error;
        assert!(
            (est.offset_ms - truth).unsigned_abs() <= est.uncertainty_ms,
            "local_error {local_error}, lie {lie}: {est:?}"
        );
        assert_eq!(
            est.round_trip_ms, 40,
            "local_error {local_error}, lie {lie}"
        );
        assert_eq!(est.samples, 4);
    }
}

#[tokio::test]
async fn check_gives_the_verdict_inputs() {
    let timeline = Timeline::new(0);
    let source = ScriptedSource::new(&timeline, 90_000, vec![Ok((40, 40)); 3]);
    let est = check(&source, &timeline.device, 3).await.unwrap();
    assert_eq!(
        verdict(&est, Step::THIRTY_SECONDS),
        ClockVerdict::CodesWrong,
        "{est:?}"
    );
    assert_eq!(
        verdict(&est, Step::SIXTY_SECONDS),
        ClockVerdict::CodesWrong,
        "{est:?}"
    );

    let timeline = Timeline::new(0);
    let source = ScriptedSource::new(&timeline, -7_300, vec![Ok((40, 40)); 3]);
    let est = check(&source, &timeline.device, 3).await.unwrap();
    assert_eq!(
        verdict(&est, Step::THIRTY_SECONDS),
        ClockVerdict::Warn,
        "{est:?}"
    );
}

#[tokio::test]
async fn check_clamps_the_number_of_samples() {
    for (asked, taken) in [(0, 3), (1, 3), (3, 3), (4, 4), (5, 5), (50, 5)] {
        let timeline = Timeline::new(0);
        let source = ScriptedSource::new(&timeline, 0, vec![Ok((5, 5)); 5]);
        let est = check(&source, &timeline.device, asked).await.unwrap();
        assert_eq!(
            source.calls.load(Ordering::SeqCst),
            taken,
            "asked for {asked}"
        );
        assert_eq!(est.samples, taken as usize, "asked for {asked}");
    }
}

#[tokio::test]
async fn check_tolerates_failed_samples() {
    let timeline = Timeline::new(-1_000);
    let source = ScriptedSource::new(
        &timeline,
        0,
        vec![Err(failure("timeout")), Ok((60, 60)), Err(failure("reset"))],
    );
    let est = check(&source, &timeline.device, 3).await.unwrap();
    assert_eq!(est.samples, 1);
    assert_eq!(est.round_trip_ms, 120);
    assert!(
        (est.offset_ms - 1_000).unsigned_abs() <= est.uncertainty_ms,
        "{est:?}"
    );
}

#[tokio::test]
async fn check_returns_the_last_error_when_all_fail() {
    let timeline = Timeline::new(0);
    let source = ScriptedSource::new(
        &timeline,
        0,
        vec![
            Err(failure("timeout")),
            Err(failure("refused")),
            Err(failure("503")),
        ],
    );
    assert_eq!(
        check(&source, &timeline.device, 3).await,
        Err(failure("503"))
    );
}

#[tokio::test]
async fn check_with_a_coarse_source_widens_the_uncertainty() {
    let timeline = Timeline::new(0);
    let mut source = ScriptedSource::new(&timeline, 3_250, vec![Ok((20, 20)); 3]);
    source.resolution_ms = 1_000;
    let est = check(&source, &timeline.device, 3).await.unwrap();
    assert!(est.uncertainty_ms >= 500, "{est:?}");
    assert!(
        (est.offset_ms - 3_250).unsigned_abs() <= est.uncertainty_ms,
        "{est:?}"
    );
}

proptest! {
    #[test]
    fn the_truth_is_always_within_the_uncertainty(
        local_error in -100_000_000i64..100_000_000,
        lie in -100_000_000i64..100_000_000,
        up in 0u64..10_000,
        down in 0u64..10_000,
        resolution in prop::sample::select(vec![0u64, 1, 10, 1_000]),
        phase in 0u64..1_000,
    ) {
        let true_sent = T + phase;
        let local = |t: u64| t.checked_add_signed(local_error).unwrap();
        let server_true = (true_sent + up).checked_add_signed(lie).unwrap();
        let server_ms = if resolution == 0 { server_true } else { server_true - server_true % resolution };
        let sample = Sample {
            sent_ms: local(true_sent),
            server_ms,
            received_ms: local(true_sent + up + down),
            server_resolution_ms: resolution,
        };
        let est = estimate(&[sample]).unwrap();
        let truth = lie - local_error;
        prop_assert!((est.offset_ms - truth).unsigned_abs() <= est.uncertainty_ms, "{:?}", est);
        prop_assert!(est.uncertainty_ms <= (up + down + resolution) / 2 + 1, "{:?}", est);
    }
}
