package dev.coderadmission.cluster;

import dev.coderadmission.config.LeaderElectionConfig;
import dev.coderadmission.support.Eventually;
import dev.coderadmission.support.FaultyApiServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The election heals: a replica that loses its lease to an API server fault campaigns again and leads. */
class LeadershipTest {
    /** Short timings so the renew deadline passes in a second, not in client-go's 10 s. */
    private static final LeaderElectionConfig FAST = LeaderElectionConfig.defaults()
            .withTimings(Duration.ofMillis(1500), Duration.ofMillis(1000), Duration.ofMillis(200));

    private final FaultyApiServer api = new FaultyApiServer();

    @AfterEach
    void stop() {
        api.close();
    }

    @Test
    void aLeaderThatLosesItsLeaseLeadsAgainOnceLeaseWritesSucceed() {
        var started = new AtomicInteger();
        var stopped = new AtomicInteger();
        try (var leadership = new Leadership(api.client(), FAST, "coder-admission", "replica-a")) {
            leadership.addListener(new Leadership.Listener() {
                @Override
                public void startedLeading() {
                    started.incrementAndGet();
                }

                @Override
                public void stoppedLeading() {
                    stopped.incrementAndGet();
                }
            });
            leadership.start();
            Eventually.await(leadership::isLeader, leading -> leading, Duration.ofSeconds(10));

            // the API server refuses every Lease write for longer than the renew deadline
            api.fail(FaultyApiServer.leaseWrites());
            Eventually.await(leadership::isLeader, leading -> !leading, Duration.ofSeconds(10));
            assertThat(stopped.get()).isEqualTo(1);
            sleep(Duration.ofSeconds(2));
            assertThat(leadership.isLeader()).as("no lease can be written, so nobody leads").isFalse();

            api.heal();
            Eventually.await(leadership::isLeader, leading -> leading, Duration.ofSeconds(10));
            assertThat(started.get()).isEqualTo(2);
            assertThat(leadership.campaigns()).isGreaterThan(1);
            assertThat(api.refused()).isPositive();
        }
    }

    @Test
    void aReplicaStartedWhileTheApiServerIsDownLeadsOnceItIsBack() {
        api.fail(FaultyApiServer.everything());
        try (var leadership = new Leadership(api.client(), FAST, "coder-admission", "replica-b")) {
            leadership.start();
            sleep(Duration.ofSeconds(2));
            assertThat(leadership.isLeader()).isFalse();
            api.heal();
            Eventually.await(leadership::isLeader, leading -> leading, Duration.ofSeconds(10));
        }
    }

    @Test
    void closingReleasesTheLeaseSoAnotherReplicaTakesOverAtOnce() {
        var first = new Leadership(api.client(), FAST.withTimings(Duration.ofSeconds(60), Duration.ofSeconds(50),
                Duration.ofMillis(200)), "coder-admission", "first");
        first.start();
        Eventually.await(first::isLeader, leading -> leading, Duration.ofSeconds(10));
        try (var second = new Leadership(api.client(), FAST, "coder-admission", "second")) {
            second.start();
            first.close();
            // a 60 s lease would keep "second" waiting a minute unless "first" released it
            Eventually.await(second::isLeader, leading -> leading, Duration.ofSeconds(10));
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
