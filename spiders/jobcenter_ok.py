"""Oklahoma WARN notices: Oklahoma Office of Workforce Development, America's Job Center site okjobmatch.com.

One state on the shared Job Center platform: crawl and parsing live in spiders/jobcenter.py.
Oklahoma left this platform in September 2025 (warn-scraper issue #724) and okjobmatch.com was
reported answering 404 since, so expect a live crawl to fail loudly. Kept because its saved pages
are the fixtures for the platform, and for re-parsing saved files.
"""

from spiders.jobcenter import JobCenterSpider


class JobCenterOklahomaSpider(JobCenterSpider):
    name = "jobcenter_ok"
    region = "Oklahoma"
    verified_on = "agency pages 2024-03-23 (search and detail pages)"
    demo_urls = (
        "https://okjobmatch.com/search/warn_lookups?utf8=%E2%9C%93&q%5Bemployer_name_cont%5D=&q%5B"
        "main_contact_contact_info_addresses_full_location_city_matches%5D=&q%5Bzipcode_code_start%5D="
        "&q%5Bservice_delivery_area_id_eq%5D=&q%5Bnotice_on_gteq%5D=2021-01-01&q%5Bnotice_on_lteq%5D="
        "2021-02-03&q%5Bnotice_eq%5D=&commit=Search",
    )
    demo_files = {
        "q%5Bnotice_on_lteq%5D=2021-02-03": "jobcenter_ok/search_2021-01-01_2021-02-03_page1.html",
        "/search/warn_lookups/780": "jobcenter_ok/detail_780.html",
        "/search/warn_lookups/776": "jobcenter_ok/detail_776.html",
    }
    state = "OK"
    base_host = "okjobmatch.com"
    agency_url = "https://okjobmatch.com/search/warn_lookups/new"
