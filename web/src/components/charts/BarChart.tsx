import { Bar, BarChart as RechartsBarChart, CartesianGrid, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { ChartPoint } from './ChartFigure';

/**
 * The one file that imports Recharts (loaded lazily by ChartFigure, so tabs without charts never fetch it).
 * SVG in the page with Recharts' keyboard layer (focus it, then arrow keys walk the bars); no animation, so
 * screenshots are stable and nothing moves for people who asked for reduced motion.
 */
export default function BarChart(p: { data: ChartPoint[]; title: string; valueLabel: string; format: (v: number) => string; reference?: { at: string; label: string } }) {
  return (
    <ResponsiveContainer width="100%" height={220}>
      <RechartsBarChart data={p.data} title={p.title} margin={{ top: p.reference ? 22 : 8, right: 8, bottom: 4, left: 0 }}>
        <CartesianGrid stroke="#cacdd8" vertical={false} />
        <XAxis dataKey="label" tick={{ fill: '#4b5671', fontSize: 12 }} interval="preserveStartEnd" />
        <YAxis tick={{ fill: '#4b5671', fontSize: 12 }} tickFormatter={p.format} width={56} allowDecimals={false} />
        <Tooltip formatter={(v) => [p.format(Number(v)), p.valueLabel]} />
        {p.reference ? <ReferenceLine x={p.reference.at} stroke="#c72323" strokeDasharray="4 3" label={{ value: p.reference.label, fill: '#c72323', fontSize: 12, position: 'top' }} /> : null}
        <Bar dataKey="value" name={p.valueLabel} fill="#0263e0" isAnimationActive={false} />
      </RechartsBarChart>
    </ResponsiveContainer>
  );
}
