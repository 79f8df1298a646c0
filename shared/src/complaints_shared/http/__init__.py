"""HTTP pieces every service API shares: problem details, bearer auth, body limits."""
