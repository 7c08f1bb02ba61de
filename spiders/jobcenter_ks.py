"""Kansas WARN notices: Kansas Department of Commerce, America's Job Center site www.kansasworks.com.

One state on the shared Job Center platform: crawl and parsing live in spiders/jobcenter.py.
"""

from spiders.jobcenter import JobCenterSpider


class JobCenterKansasSpider(JobCenterSpider):
    name = "jobcenter_ks"
    region = "Kansas"
    verified_on = "platform pages 2024-03-23 (Oklahoma's site; no page of this state saved)"
    state = "KS"
    base_host = "www.kansasworks.com"
    agency_url = "https://www.kansasworks.com/search/warn_lookups/new"
