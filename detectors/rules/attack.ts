/**
 * MITRE ATT&CK Enterprise technique ids, for linting rules. v19 (April 2026) split Defense Evasion into Stealth and
 * Defense Impairment and renumbered several techniques (T1562.x → T1685/T1686/T1688/T1689/T1690, T1070.001/.002 →
 * T1685.005/.006); v18 content (Elastic) still uses the old ids. Both are accepted and each tag records the version
 * it belongs to.
 *
 * Encoding: `T:subs` where subs lists sub-technique numbers and ranges (`1-3,5`). Source: the v19 enterprise index.
 */

const V19 = `1595:1-3 1592:1-4 1589:1-3 1590:1-6 1591:1-4 1598:1-4 1682 1597:1-2 1596:1-5 1593:1-3 1681 1594
1583:1-8 1586:1-3 1584:1-8 1587:1-4 1585:1-3 1683:1-2 1588:1-7 1608:1-6
1659 1189 1190 1133 1200 1566:1-4 1091 1195:1-3 1199 1078:1-4 1669
1651 1059:1-13 1609 1610 1675 1203 1674 1559:1-3 1106 1053:2-3,5-7 1648 1129 1684:1-2 1072 1569:1-3 1204:1-5 1047
1098:1-7 1197 1547:1-10,12-15 1037:1-5 1671 1554 1136:1-3 1543:1-5 1546:1-18 1668 1574:1,4-14 1525 1556:1-9 1137:1-6
1542:1-5 1505:1-6 1176:1-2 1205:1-2
1548:1-6 1134:1-5 1484:1-2 1611 1068 1055:1-5,8-9,11-15
1622 1678 1140 1689 1480:1-2 1564:1-14 1665 1070:3-10 1202 1036:1-12 1578:1-5 1666 1112 1601:1-2 1027:1-18 1690 1620
1014 1688 1553:1-6 1218:1-5,7-15 1216:1-2 1127:1-3 1535 1497:1-3 1211 1220
1685:1-6 1686:1-3 1687 1600:1-2 1222:1-2 1647 1653
1557:1-4 1110:1-4 1555:1-6 1212 1187 1606:1-2 1056:1-4 1111 1621 1040 1003:1-8 1528 1649 1558:1-5 1539 1552:1-8
1087:1-4 1010 1217 1580 1538 1526 1619 1613 1652 1482 1083 1615 1654 1680 1046 1135 1201 1120 1069:1-3 1057 1012 1018
1518:1-2 1082 1614:1 1016:1-2 1049 1033 1007 1124 1673
1210 1534 1570 1563:1-2 1021:1-8 1080 1550:1-4
1560:1-3 1123 1119 1185 1115 1530 1602:1-2 1213:1-6 1005 1039 1025 1074:1-2 1114:1-3 1113 1125
1071:1-5 1092 1132:1-2 1001:1-3 1568:1-3 1573:1-2 1008 1105 1104 1095 1571 1572 1090:1-4 1219:1-3 1102:1-3
1020:1 1030 1048:1-3 1041 1011:1 1052:1 1567:1-4 1029 1537
1531 1485:1 1486 1565:1-3 1491:1-2 1561:1-2 1667 1499:1-4 1657 1495 1490 1498:1-2 1496:1-4 1679 1489 1529`;

/** Ids that exist only in v19. */
const V19_ONLY = '1685:1-6 1686:1-3 1687 1688 1689 1690';
/** Ids retired by v19 (renumbered), valid in v18. */
const V18_ONLY = '1562:1-4,6-13 1070:1-2';

function decode(text: string): Set<string> {
  const ids = new Set<string>();
  for (const entry of text.split(/\s+/).filter(Boolean)) {
    const [parent, subs] = entry.split(':') as [string, string | undefined];
    ids.add(`T${parent}`);
    for (const range of subs?.split(',') ?? []) {
      const [from, to] = range.split('-').map(Number) as [number, number | undefined];
      for (let n = from; n <= (to ?? from); n++) ids.add(`T${parent}.${String(n).padStart(3, '0')}`);
    }
  }
  return ids;
}

const v19 = decode(V19);
const v19Only = decode(V19_ONLY);
const v18 = new Set([...[...v19].filter((id) => !v19Only.has(id)), ...decode(V18_ONLY)]);

export type AttackVersion = '18' | '19';

export interface AttackTag {
  id: string;
  /** The ATT&CK versions the id is valid in. */
  versions: AttackVersion[];
}

/** Validates and normalises an id (`t1548.003` → `T1548.003`); null when it is not a known technique. */
export function attackTag(raw: string): AttackTag | null {
  const id = raw
    .trim()
    .toUpperCase()
    .replace(/^ATTACK\./, '');
  if (!/^T\d{4}(?:\.\d{3})?$/.test(id)) return null;
  const versions: AttackVersion[] = [];
  if (v18.has(id)) versions.push('18');
  if (v19.has(id)) versions.push('19');
  return versions.length ? { id, versions } : null;
}
