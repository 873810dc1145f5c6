"""Store console pages (issue 12), mounted at /console by portal.web."""
