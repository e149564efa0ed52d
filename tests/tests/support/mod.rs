//! What several test files share: running a future to its end on a
//! current-thread tokio runtime (timers enabled).

/// Runs `future` to completion.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread tokio runtime")
        .block_on(future)
}
