"""Arizona WARN notices: Arizona Department of Economic Security, America's Job Center site www.azjobconnection.gov.

One state on the shared Job Center platform: crawl and parsing live in spiders/jobcenter.py.
"""

from spiders.jobcenter import JobCenterSpider


class JobCenterArizonaSpider(JobCenterSpider):
    name = "jobcenter_az"
    region = "Arizona"
    verified_on = "platform pages 2024-03-23 (Oklahoma's site; no page of this state saved)"
    state = "AZ"
    base_host = "www.azjobconnection.gov"
    agency_url = "https://www.azjobconnection.gov/search/warn_lookups/new"
